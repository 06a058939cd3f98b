"""Bounds on user math, so any text is answered (or refused with a ClaimError) in bounded time."""

MAX_LENGTH = 2000  # characters of claim text
MAX_NESTING = 40  # open brackets at once
MAX_DEPTH = 150  # depth of the syntax tree (long operator chains count)
MAX_NODES = 20000  # resolved nodes, after sums are unrolled
MAX_EXPONENT = 64  # |n| for a numeric exponent
MAX_TOWER = 2  # levels of symbolic exponents (e^{e^x}, x^x); x^{x^x} and e^{e^{e^x}} are refused
MAX_DIGITS = 2000  # digits of an exact numeric result
MAX_NUMBER_DIGITS = 40  # digits of one written number
MAX_DECIMAL_EXPONENT = 300  # |n| in a written 2e-3 or 1.5E+n
MAX_INDEX = 4096  # largest index value a sum may reach
