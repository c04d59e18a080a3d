"""Worked examples the tests share: the textbook backprop example and the z = y², y = 2x³ + 3 chain."""


def textbook(w, x, y, z):
    a, b = (w + x + y + z) ** 2, (w + x - y - z) ** 2
    u, v = (a + b) ** 2, (a - b) ** 2
    return (u + v) ** 2


def chain(x):
    y = 2 * x ** 3 + 3
    z = y ** 2
    return z
