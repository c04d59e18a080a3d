"""`chainrule.numpy.random`: NumPy's random module (random draws are constants, not traced)."""
from numpy.random import *  # noqa: F401,F403
from numpy.random import default_rng, Generator, RandomState, seed  # noqa: F401
