"""The ``chainrule`` command: derivatives, gradients, pictures and the textbook tour from a shell.

``chainrule diff "3*x**2 - 4*x" --at x=1`` prints the value, the derivative and the
tangent line; ``chainrule --help`` lists the subcommands. Expressions are read by
:mod:`chainrule.expr` (a whitelist; never ``eval``). Every subcommand takes
``--json`` for machine-readable output. Bad input of any kind gives one error
line on stderr (plus a caret line under the offending part of an expression)
and exit status 2, never a traceback. This module calls only chainrule's public API.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from typing import Any, Callable, Sequence

import numpy as np

from chainrule.expr import Expression, ExpressionError, parse

__all__ = ["main"]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2
_VALUE_OPTIONS = ("--at", "--from", "--on", "--tangent", "--xlim", "--ylim", "--lr")


class UsageError(Exception):
    """Bad input from the command line: reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit
        raise UsageError(f"{message} (see '{self.prog} --help')")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 2 bad input, 1 internal error).

    >>> main(["grad", "x*y", "--at", "x=2,y=3"])
    f(x, y) = x*y
    at x = 2, y = 3
    value = 6
    df/dx = 3
    df/dy = 2
    0
    """
    arguments_list = _protect_values(list(sys.argv[1:] if argv is None else argv))
    parser = _build_parser()
    try:
        arguments = parser.parse_args(arguments_list)
        if not getattr(arguments, "handler", None):
            parser.print_help()
            return EXIT_USAGE
        with np.errstate(all="ignore"):
            return arguments.handler(arguments)
    except SystemExit as exit_request:  # --help / --version
        return int(exit_request.code or 0) if not isinstance(exit_request.code, str) else EXIT_USAGE
    except ExpressionError as error:
        _error_line(f"bad expression: {error}")
        pointer = error.pointer()
        if pointer:
            print(pointer, file=sys.stderr)
        return EXIT_USAGE
    except (UsageError, ValueError, TypeError, ArithmeticError, np.linalg.LinAlgError) as error:
        _error_line(_one_line(error))
        return EXIT_USAGE
    except ImportError as error:
        _error_line(f"{_one_line(error)} (an optional dependency is missing)")
        return EXIT_USAGE
    except BrokenPipeError:  # `chainrule tour | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        _error_line("interrupted")
        return 130
    except Exception as error:  # noqa: BLE001 - the promise is: never a traceback
        if os.environ.get("CHAINRULE_DEBUG"):
            raise
        _error_line(f"internal error: {type(error).__name__}: {_one_line(error)} "
                    "(set CHAINRULE_DEBUG=1 to see the traceback)")
        return EXIT_INTERNAL


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 400 else text[:397] + "..."


def _error_line(message: str) -> None:
    print(f"chainrule: error: {message}", file=sys.stderr)


def _protect_values(argv: list[str]) -> list[str]:
    """Let values start with '-': ``--on -2,3`` and ``diff "-x**2"`` (argparse would read options).

    Any token that starts with '-' but is neither ``-h`` nor ``--name[=value]`` gets a leading space,
    which argparse treats as a value and :func:`chainrule.expr.parse` strips.
    """
    protected = []
    for token in argv:
        if token.startswith("-") and token != "-h" and not _OPTION.match(token):
            token = " " + token
        protected.append(token)
    return protected


_OPTION = re.compile(r"^--[A-Za-z][A-Za-z-]*(=.*)?$", re.DOTALL)


# ----------------------------------------------------------------------------- parsing helpers

def _split_top_level(text: str) -> list[str]:
    """Split at commas that are not inside brackets: ``x=max(1,2),y=3`` -> two parts."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def _number(text: str, option: str) -> float:
    """A constant such as ``-1``, ``pi/2`` or ``log(2)``, read with the same safe parser."""
    text = text.strip()
    if not text:
        raise UsageError(f"{option}: a value is missing")
    try:
        constant = parse(text, variables=())
    except ExpressionError as error:
        raise UsageError(f"{option}: {text!r} is not a number: {error.message}") from None
    value = float(np.asarray(constant.function(np)(), dtype=float))
    if not math.isfinite(value):
        raise UsageError(f"{option}: {text!r} is not a finite number")
    return value


def _assignments(text: str | None, option: str, expression: Expression) -> list[float]:
    """``x=1,y=0.69`` -> values in the expression's variable order; every variable needs one."""
    variables = expression.variables
    if text is None:
        if not variables:
            return []
        example = ",".join(f"{name}=1" for name in variables)
        raise UsageError(f"missing {option}: give a value for each variable, like {option} {example}")
    given: dict[str, float] = {}
    for part in _split_top_level(text.strip()):
        if "=" not in part:
            if len(variables) == 1 and len(_split_top_level(text.strip())) == 1:
                given[variables[0]] = _number(part, option)
                continue
            raise UsageError(f"{option}: {part!r} should look like name=value, e.g. {option} x=1")
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in variables:
            known = ", ".join(variables) or "none"
            raise UsageError(f"{option}: {name!r} is not a variable of the expression (its variables: {known})")
        if name in given:
            raise UsageError(f"{option}: {name!r} is given twice")
        given[name] = _number(value, option)
    missing = [name for name in variables if name not in given]
    if missing:
        raise UsageError(f"{option}: no value for {', '.join(repr(name) for name in missing)}; "
                         f"add {','.join(f'{name}=...' for name in missing)}")
    return [given[name] for name in variables]


def _pair(text: str, option: str) -> tuple[float, float]:
    parts = _split_top_level(text.strip())
    if len(parts) != 2:
        raise UsageError(f"{option}: expected two numbers like {option} -2,3, got {text.strip()!r}")
    low, high = (_number(part, option) for part in parts)
    if not low < high:
        raise UsageError(f"{option}: the first number must be smaller than the second, got {low:g},{high:g}")
    return low, high


def _fmt(value: Any) -> str:
    value = float(value)
    text = f"{value:.12g}"
    return "0" if text == "-0" else text


def _line(slope: float, intercept: float, name: str) -> str:
    """``2*x - 3``."""
    return f"{_fmt(slope)}*{name} {'-' if intercept < 0 else '+'} {_fmt(abs(intercept))}"


def _finite(what: str, value: Any, where: str) -> None:
    array = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(array)):
        raise UsageError(f"{what} is not finite ({_fmt_array(array)}) at {where}: "
                         "the expression is not defined or not differentiable there")


def _fmt_array(array: Any) -> str:
    array = np.asarray(array, dtype=float)
    if array.ndim == 0:
        return _fmt(array)
    return "[" + ", ".join(_fmt_array(item) for item in array) + "]"


def _where(expression: Expression, values: Sequence[float]) -> str:
    return ", ".join(f"{name} = {_fmt(value)}" for name, value in zip(expression.variables, values))


def _signature(expression: Expression) -> str:
    return f"f({', '.join(expression.variables)}) = {expression.text.strip()}"


def _emit(arguments: argparse.Namespace, payload: dict[str, Any], lines: list[str]) -> int:
    if arguments.json:
        print(json.dumps(payload, indent=2))
    else:
        print("\n".join(lines))
    return EXIT_OK


def _load(arguments: argparse.Namespace, option: str = "--at", need_variables: bool = True
          ) -> tuple[Expression, Callable[..., Any], list[float]]:
    expression = parse(arguments.expression)
    if need_variables and not expression.variables:
        raise UsageError(f"the expression {expression.text.strip()!r} has no variables to differentiate by")
    values = _assignments(getattr(arguments, {"--at": "at", "--from": "from_"}[option]), option, expression)
    return expression, expression.function(), values


def _vector(function: Callable[..., Any], count: int) -> Callable[[Any], Any]:
    """The expression as a function of one vector of its variables."""
    def of_vector(point: Any) -> Any:
        return function(*[point[index] for index in range(count)])
    return of_vector


def _scalar(value: Any, expression: Expression) -> float:
    array = np.asarray(value, dtype=float)
    if array.shape != ():
        raise UsageError(f"the expression {expression.text.strip()!r} gives {array.shape[0] if array.ndim else ''} "
                         f"values (shape {array.shape}); it must give a single number")
    return float(array)


# ----------------------------------------------------------------------------- subcommands

def _library() -> Any:
    """chainrule with the toolkit modules loaded (imported late: ``--help`` stays fast)."""
    import chainrule
    import chainrule.optim
    import chainrule.plot

    return chainrule


def _cmd_diff(arguments: argparse.Namespace) -> int:
    chainrule = _library()

    expression, function, values = _load(arguments)
    if arguments.order < 1 or arguments.order > 8:
        raise UsageError(f"--order must be between 1 and 8, got {arguments.order}")
    variables = expression.variables
    if len(variables) > 1 and arguments.wrt is None:
        raise UsageError(f"the expression has variables {', '.join(variables)}: choose one with --wrt "
                         f"(or use 'chainrule grad')")
    name = arguments.wrt or variables[0]
    if name not in variables:
        raise UsageError(f"--wrt {name!r} is not a variable of the expression (its variables: {', '.join(variables)})")
    position = variables.index(name)
    point = values[position]

    def partial(x: Any) -> Any:
        arguments_now = list(values)
        arguments_now[position] = x
        return function(*arguments_now)

    where = _where(expression, values)
    value = _scalar(function(*values), expression)
    _finite("the value", value, where)
    if arguments.order == 1:
        derivatives = [float(chainrule.grad(partial)(point))]
    else:
        polynomial = chainrule.taylor(partial, point, order=arguments.order)
        derivatives = [float(np.asarray(coefficient)) for coefficient in polynomial.coefficients[1:]]
    for order, derivative in enumerate(derivatives, start=1):
        _finite(f"the derivative of order {order}", derivative, where)
    slope = derivatives[0]
    intercept = value - slope * point
    marks = ["'" * order if order <= 3 else f"^({order})" for order in range(1, len(derivatives) + 1)]
    d = "d" if len(variables) == 1 else "∂"
    lines = [_signature(expression), f"at {where}", f"value = {_fmt(value)}"]
    for order, (mark, derivative) in enumerate(zip(marks, derivatives), start=1):
        label = f"f{mark}({_fmt(point)})" if len(variables) == 1 else (
            f"{d}{'' if order == 1 else order}f/{d}{name}{'' if order == 1 else order}")
        lines.append(f"{label} = {_fmt(derivative)}")
    lines.append(f"tangent line: y = {_line(slope, intercept, name)}")
    payload = {"expression": expression.text.strip(), "variables": list(variables),
               "at": dict(zip(variables, values)), "wrt": name, "value": value, "derivatives": derivatives,
               "tangent": {"slope": slope, "intercept": intercept}}
    return _emit(arguments, payload, lines)


def _cmd_grad(arguments: argparse.Namespace) -> int:
    chainrule = _library()

    expression, function, values = _load(arguments)
    count = len(expression.variables)
    where = _where(expression, values)
    _finite("the value", _scalar(function(*values), expression), where)
    value, gradient = chainrule.value_and_grad(function, argnums=tuple(range(count)))(*values)
    value = float(value)
    gradient = [float(component) for component in gradient]
    _finite("the gradient", gradient, where)
    lines = [_signature(expression), f"at {where}", f"value = {_fmt(value)}"]
    lines += [f"df/d{name} = {_fmt(component)}" for name, component in zip(expression.variables, gradient)]
    payload = {"expression": expression.text.strip(), "variables": list(expression.variables),
               "at": dict(zip(expression.variables, values)), "value": value,
               "gradient": dict(zip(expression.variables, gradient))}
    return _emit(arguments, payload, lines)


def _cmd_hessian(arguments: argparse.Namespace) -> int:
    chainrule = _library()

    expression, function, values = _load(arguments)
    count = len(expression.variables)
    of_vector = _vector(function, count)
    point = np.array(values, dtype=float)
    where = _where(expression, values)
    value = _scalar(of_vector(point), expression)
    _finite("the value", value, where)
    gradient = np.asarray(chainrule.grad(of_vector)(point), dtype=float)
    matrix = np.asarray(chainrule.hessian(of_vector)(point), dtype=float).reshape(count, count)
    _finite("the Hessian", matrix, where)
    kind = chainrule.optim.classify(of_vector, point)
    eigenvalues = [float(item) for item in kind.eigenvalues]
    width = max(len(_fmt(item)) for item in matrix.ravel())
    lines = [_signature(expression), f"at {where}", f"value = {_fmt(value)}",
             f"gradient = {_fmt_array(gradient)}", f"Hessian (rows and columns: {', '.join(expression.variables)}):"]
    lines += ["  [" + "  ".join(_fmt(item).rjust(width) for item in row) + "]" for row in matrix]
    lines.append(f"eigenvalues = {_fmt_array(eigenvalues)}")
    lines.append(f"the point is: {kind.kind}")
    payload = {"expression": expression.text.strip(), "variables": list(expression.variables),
               "at": dict(zip(expression.variables, values)), "value": value, "gradient": gradient.tolist(),
               "hessian": matrix.tolist(), "eigenvalues": eigenvalues, "kind": kind.kind}
    return _emit(arguments, payload, lines)


def _cmd_taylor(arguments: argparse.Namespace) -> int:
    chainrule = _library()

    expression, function, values = _load(arguments)
    if arguments.order < 0 or arguments.order > 6:
        raise UsageError(f"--order must be between 0 and 6, got {arguments.order}")
    count = len(expression.variables)
    where = _where(expression, values)
    if count == 1:
        target, point = function, values[0]
    else:
        target, point = _vector(function, count), np.array(values, dtype=float)
    _finite("the value", _scalar(target(point), expression), where)
    polynomial = chainrule.taylor(target, point, order=arguments.order)
    coefficients = [np.asarray(item, dtype=float) for item in polynomial.coefficients]
    for order, coefficient in enumerate(coefficients):
        _finite(f"the derivative of order {order}", coefficient, where)
    names = ["value", "gradient", "Hessian"] + [f"derivative of order {k}" for k in range(3, len(coefficients))]
    if count == 1:
        names = ["value"] + [f"derivative of order {k}" for k in range(1, len(coefficients))]
    lines = [_signature(expression), f"at {where}", f"Taylor polynomial of order {arguments.order}:",
             f"  T(x) = {polynomial.format(expression.variables)}"]
    lines += [f"{name} = {_fmt_array(coefficient)}" for name, coefficient in zip(names, coefficients)]
    if arguments.out:
        if count > 2:
            raise UsageError("--out: pictures are drawn for one or two variables")
        chainrule.plot.taylor(function, point, order=arguments.order, save=arguments.out)
        lines.append(f"wrote {arguments.out}")
    payload = {"expression": expression.text.strip(), "variables": list(expression.variables),
               "at": dict(zip(expression.variables, values)), "order": arguments.order,
               "polynomial": polynomial.format(expression.variables),
               "coefficients": [coefficient.tolist() for coefficient in coefficients]}
    if arguments.out:
        payload["picture"] = arguments.out
    return _emit(arguments, payload, lines)


def _one_variable(expression, requirement: str):
    """`expression` if it has exactly one variable, else a usage error that says what it has."""
    if len(expression.variables) != 1:
        raise UsageError(f"{requirement}; the expression has "
                         f"{len(expression.variables)} ({', '.join(expression.variables) or 'none'})")
    return expression


def _cmd_plot(arguments: argparse.Namespace) -> int:
    chainrule = _library()

    expression = _one_variable(parse(arguments.expression), "plot draws functions of one variable")
    function = expression.function()
    center = 0.0 if arguments.tangent is None else _number(arguments.tangent, "--tangent")
    xlim = _pair(arguments.xlim, "--xlim") if arguments.xlim else (center - 3.0, center + 3.0)
    xs = np.linspace(*xlim, 400)
    name = expression.variables[0]
    if arguments.tangent is not None:
        value, slope = (float(item) for item in chainrule.value_and_grad(function)(center))
        _finite("the tangent", [value, slope], f"{name} = {_fmt(center)}")
        chainrule.plot.tangent(function, center, xs, label=expression.text.strip(), save=arguments.out)
        line = f"tangent at {name} = {_fmt(center)}: y = {_line(slope, value - slope * center, name)}"
    else:
        chainrule.plot.plot(function, xs, xlabel=name, legend=[expression.text.strip()], save=arguments.out)
        line = None
    lines = ([line] if line else []) + [f"wrote {arguments.out}"]
    payload = {"expression": expression.text.strip(), "picture": arguments.out, "xlim": list(xlim)}
    if line:
        payload["tangent"] = {"at": center, "slope": slope, "intercept": value - slope * center}
    return _emit(arguments, payload, lines)


_KIND_TEXT = {"minimum": "a minimum", "maximum": "a maximum", "saddle": "a saddle point",
              "degenerate": "a degenerate critical point (the Hessian is singular there)"}


def _cmd_minimize(arguments: argparse.Namespace) -> int:
    chainrule = _library()

    expression, function, values = _load(arguments, option="--from")
    count = len(expression.variables)
    method = arguments.method
    options: dict[str, Any] = {}
    if arguments.lr is not None:
        if method == "newton":
            raise UsageError("--lr does not apply to --method newton (it uses a line search)")
        options["lr"] = _number(arguments.lr, "--lr")
        if options["lr"] <= 0:
            raise UsageError("--lr must be positive")
    if arguments.steps is not None:
        if arguments.steps < 1 or arguments.steps > 1_000_000:
            raise UsageError("--steps must be between 1 and 1000000")
        options["steps"] = arguments.steps
    if arguments.tol is not None:
        options["tol"] = _number(arguments.tol, "--tol")
    target = function if count == 1 else _vector(function, count)
    start = values[0] if count == 1 else np.array(values, dtype=float)
    _finite("the value", _scalar(target(start), expression), _where(expression, values))
    method = "gradient_descent" if method == "gd" else method
    result = chainrule.optim.METHODS[method](target, start, **options)
    final = np.atleast_1d(np.asarray(result.x, dtype=float))
    if not (np.isfinite(result.value) and np.all(np.isfinite(final))
            and np.isfinite(result.history.gradient_norms[-1])):
        raise UsageError(f"{method} diverged: {result.message}" + (" (lower --lr)" if method != "newton" else ""))
    # a zero gradient is not yet a minimum (x**3 from 0, a saddle): say what the point is
    kind = chainrule.optim.classify(target, result.x).kind if result.converged else None
    lines = [_signature(expression), f"method: {method}, start: {_where(expression, values)}",
             f"{'converged' if result.converged else 'not converged'} after {result.iterations} steps: "
             f"{result.message}",
             f"{'reached' if result.converged else 'stopped'} at {_where(expression, final)}"
             + (f": {_KIND_TEXT.get(kind, 'a ' + str(kind))}" if kind else ""),
             f"value = {_fmt(result.value)}",
             f"gradient norm = {float(result.history.gradient_norms[-1]):.3g}"]
    if arguments.out:
        if count > 2:
            raise UsageError("--out: pictures are drawn for one or two variables")
        chainrule.plot.descent(function, result=result, save=arguments.out)
        lines.append(f"wrote {arguments.out}")
    payload = {"expression": expression.text.strip(), "variables": list(expression.variables), "method": method,
               "start": dict(zip(expression.variables, values)), "x": dict(zip(expression.variables, final.tolist())),
               "value": float(result.value), "iterations": result.iterations, "converged": bool(result.converged),
               "kind": kind,
               "message": result.message,
               "history": {"values": np.asarray(result.history.values, dtype=float).tolist(),
                           "gradient_norms": np.asarray(result.history.gradient_norms, dtype=float).tolist()}}
    return _emit(arguments, payload, lines)


def _cmd_critical(arguments: argparse.Namespace) -> int:
    chainrule = _library()

    expression = _one_variable(parse(arguments.expression), "critical needs an expression of one variable")
    if arguments.on is None:
        raise UsageError("missing --on: give the interval, like --on -2,3")
    interval = _pair(arguments.on, "--on")
    function = expression.function()
    points = chainrule.optim.critical_points(function, interval)
    lowest, highest = chainrule.optim.extrema(function, interval)
    name = expression.variables[0]
    lines = [_signature(expression), f"on [{_fmt(interval[0])}, {_fmt(interval[1])}]:"]
    if not points:
        lines.append("  no critical points")
    lines += [f"  {name} = {_fmt(point.x)}: f = {_fmt(point.value)}, {point.kind}" for point in points]
    lines.append(f"global minimum on the interval: f({_fmt(lowest.x)}) = {_fmt(lowest.value)} ({lowest.kind})")
    lines.append(f"global maximum on the interval: f({_fmt(highest.x)}) = {_fmt(highest.value)} ({highest.kind})")
    payload = {"expression": expression.text.strip(), "interval": list(interval),
               "critical_points": [{"x": point.x, "value": point.value, "kind": point.kind} for point in points],
               "global_minimum": {"x": lowest.x, "value": lowest.value, "kind": lowest.kind},
               "global_maximum": {"x": highest.x, "value": highest.value, "kind": highest.kind}}
    if arguments.out:
        _critical_picture(function, interval, points, arguments.out, expression.text.strip())
        lines.append(f"wrote {arguments.out}")
        payload["picture"] = arguments.out
    return _emit(arguments, payload, lines)


def _critical_picture(function: Callable[..., Any], interval: tuple[float, float], points: list, out: str,
                      label: str) -> None:
    chainrule = _library()

    figure = chainrule.plot.plot(function, np.linspace(*interval, 400), xlabel="x", legend=[label])
    axes = figure.axes[0]
    for point in points:
        axes.plot([point.x], [point.value], "o", color={"minimum": "tab:green", "maximum": "tab:red"}.get(
            point.kind, "tab:gray"))
        axes.annotate(point.kind, (point.x, point.value), textcoords="offset points", xytext=(4, 6), fontsize=7)
    figure.savefig(out, dpi=150)


def _cmd_explain(arguments: argparse.Namespace) -> int:
    chainrule = _library()

    expression, function, values = _load(arguments)
    explanation = chainrule.explain(function, *values)
    text = str(explanation)
    payload = {"expression": expression.text.strip(), "at": dict(zip(expression.variables, values)), "text": text}
    to_dict = getattr(explanation, "to_dict", None)
    if callable(to_dict):
        payload["explanation"] = to_dict()
    return _emit(arguments, payload, [text])


def _cmd_graph(arguments: argparse.Namespace) -> int:
    chainrule = _library()

    out = arguments.out
    if os.path.splitext(out)[1].lower() not in (".dot", ".svg", ".png", ".pdf"):
        raise UsageError(f"--out {out!r}: the file name must end in .svg, .png, .pdf or .dot")
    expression, function, values = _load(arguments)
    graph = chainrule.trace(function, *values)
    if arguments.backward:
        graph = graph.backward_graph()
    if arguments.simplified:
        graph = graph.simplified()
    graph.save(out)
    payload = {"expression": expression.text.strip(), "at": dict(zip(expression.variables, values)),
               "picture": out, "backward": arguments.backward, "simplified": arguments.simplified}
    return _emit(arguments, payload, [f"wrote {out}"])


def _cmd_tour(arguments: argparse.Namespace) -> int:
    from chainrule import tour

    summary = tour.run(arguments.out, quiet=arguments.json, pictures=not arguments.no_pictures)
    if arguments.json:
        print(json.dumps(summary, indent=2))
    return EXIT_OK


# ----------------------------------------------------------------------------- the parser

def _build_parser() -> _Parser:
    parser = _Parser(prog="chainrule", description="Derivatives, gradients and pictures from the command line. "
                     "Expressions use + - * / ** and functions like sin, exp, log, sqrt, tanh; "
                     "constants pi and e; variables are any other names.")
    subparsers = parser.add_subparsers(title="subcommands", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, handler: Callable[[argparse.Namespace], int], help_text: str,
                expression: bool = True) -> _Parser:
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if expression:
            sub.add_argument("expression", metavar="EXPR", help="the expression, e.g. '3*x**2 - 4*x'")
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
        sub.set_defaults(handler=handler)
        return sub

    tour_parser = command("tour", _cmd_tour, "run the textbook's worked examples and write their pictures",
                          expression=False)
    tour_parser.add_argument("--out", default="chainrule-tour", help="folder for the pictures (default chainrule-tour)")
    tour_parser.add_argument("--no-pictures", action="store_true", help="skip the pictures")

    diff = command("diff", _cmd_diff, "value, derivative(s) and tangent line at a point")
    diff.add_argument("--at", help="the point, e.g. x=1")
    diff.add_argument("--order", type=int, default=1, help="also print derivatives up to this order (1-8)")
    diff.add_argument("--wrt", help="the variable to differentiate by when there are several")

    grad = command("grad", _cmd_grad, "value and gradient at a point")
    grad.add_argument("--at", help="the point, e.g. x=0,y=0.69")

    hessian = command("hessian", _cmd_hessian, "Hessian matrix, its eigenvalues and what kind of point it is")
    hessian.add_argument("--at", help="the point, e.g. x=-1,y=0")

    explain = command("explain", _cmd_explain, "the chain rule by hand: every node's value, local partials, adjoint")
    explain.add_argument("--at", help="the point, e.g. w=-1,x=0,y=-2,z=1")

    graph = command("graph", _cmd_graph, "draw the computation graph")
    graph.add_argument("--at", help="the point at which to trace, e.g. x=1")
    graph.add_argument("--out", required=True, help="output file: .svg, .png, .pdf or .dot")
    graph.add_argument("--backward", action="store_true", help="draw the backward (gradient) graph")
    graph.add_argument("--simplified", action="store_true", help="draw the simplified graph")

    plot = command("plot", _cmd_plot, "plot a function of one variable, optionally with a tangent line")
    plot.add_argument("--tangent", help="draw the tangent line at this x")
    plot.add_argument("--xlim", help="x range, e.g. -2,3 (default: 3 around the tangent point or 0)")
    plot.add_argument("--out", required=True, help="output file: .png, .svg or .pdf")

    taylor = command("taylor", _cmd_taylor, "Taylor polynomial and its coefficients at a point")
    taylor.add_argument("--at", help="the point, e.g. x=-1,y=0")
    taylor.add_argument("--order", type=int, default=2, help="order of the polynomial (0-6, default 2)")
    taylor.add_argument("--out", help="also draw the approximation (one or two variables)")

    minimize = command("minimize", _cmd_minimize, "walk downhill from a starting point")
    minimize.add_argument("--from", dest="from_", metavar="POINT", help="the start, e.g. x=-1,y=1")
    minimize.add_argument("--method", default="gradient_descent",
                          choices=["gradient_descent", "gd", "momentum", "adam", "newton"])
    minimize.add_argument("--lr", help="learning rate (not for newton)")
    minimize.add_argument("--steps", type=int, help="number of steps (or the cap when --tol is given)")
    minimize.add_argument("--tol", help="stop when the gradient norm is below this")
    minimize.add_argument("--out", help="draw the path (one or two variables)")

    critical = command("critical", _cmd_critical, "critical points on an interval, classified")
    critical.add_argument("--on", help="the interval, e.g. -2,3")
    critical.add_argument("--out", help="draw the function with its critical points")
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
