"""User math (plain text or LaTeX) -> sympy, over declared names only; never evaluated as code.

API (stable; the graph mode builds on it):

- `parse(text, allowed_names, functions=None, quantities=None, indices=None) -> sympy.Expr`
  `allowed_names` maps each claim spelling (`"a^2_1"`, `"w^2_{12}"`, `"out_h1"`, `"w5"`) to its
  Symbol, e.g. `derive(net).names.names()`. `functions` maps names written as calls (`"sigma"`,
  `"sigma'"`, `"exp"`, `"ln"`, `"log"`, `"tanh"`, `"relu"`, ...; a prime is part of the key) to a
  callable taking and returning a sympy expression; default `function_table()`; pass `{}` to
  allow none. `quantities(num, den) -> Expr` gives the value of a written derivative `dC/dz^2_1`
  or `\\frac{\\partial C}{\\partial z^2_1}`; without it a derivative is a ClaimError. `indices`
  binds free index letters (`{"j": 1}` makes `a^2_j` mean `a^2_1`).
- `parse_nodes(...)` (same arguments) -> `Node`: the resolved tree, keeping the written
  operations: `a - b` is `Node("sub", (a, b))`, never sympy's `a + (-1)*b`. Ops: number, symbol,
  constant (e), add, sub, mul (`.implicit` for juxtaposition), div (also `\\frac`), neg, pow
  (args base, exponent), call (`.value` the function name, one arg), quantity (`.value` (num,
  den)). Every node has `.expr` (its sympy value), `.column` (1-based) and `.args`;
  `node.walk()` lists the nodes children first. Sums are unrolled into chains of add nodes,
  `\\left( \\right)` and braces leave no node, a unary plus leaves none.
- `parse_quantity(text, allowed_names, indices=None) -> (num, den)` for `dE/dw5`, `dout_o1/dnet_o1`,
  `\\frac{\\partial C}{\\partial w^2_{12}}`; `(symbol, None)` for a lone symbol such as `delta^2_1`.
- `syntax_tree(text) -> Node`: the raw tree (names as written, sums not unrolled);
  `index_letters(raw)` lists free index letters; `Reader` resolves raw trees.

Every failure is a `symbp.errors.ClaimError` with `.column` and `.context` (the text and a caret
line); lark's errors (and VisitError) never escape. Input is refused beyond `MAX_LENGTH`
characters, `MAX_NESTING` open brackets, `MAX_DEPTH` tree levels, `MAX_NODES` resolved nodes,
numeric exponents above `MAX_EXPONENT` or towers of symbolic exponents above `MAX_TOWER`, so any
text is answered in bounded time.

Modules, along the pipeline: grammar.lark (syntax) -> syntax.py (lark parser and Transformer ->
raw Nodes) -> reader.py (Reader: one method per operation; names.py for names and indices,
derivatives.py for dX/dY) -> sympy. functions.py holds the one table of callable names, which
also generates the grammar's FUNC terminal; limits.py the bounds; nodes.py the Node.
"""

from .functions import function_table
from .limits import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_NESTING, MAX_NODES, MAX_TOWER
from .names import OutOfRange
from .nodes import Node, index_letters, located
from .reader import Reader, parse, parse_nodes, parse_quantity
from .syntax import syntax_tree

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NESTING",
    "MAX_NODES",
    "MAX_TOWER",
    "Node",
    "OutOfRange",
    "Reader",
    "function_table",
    "index_letters",
    "located",
    "parse",
    "parse_nodes",
    "parse_quantity",
    "syntax_tree",
]
