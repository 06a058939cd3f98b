"""Hand derivations and hand-written gradient code checked against the derivation.

`claims.Checker(d).verify(quantity, claim)` -> Verdict (`.ok`, `.diagnosis`, `.counterexample`);
`code.check_gradients(d, fn)` -> CodeReport (`.ok`, `.wrong`); `report` renders both through
`symbp/templates/verify/<lang>/`.

A claim's pipeline: truth.py (what the quantity equals per the derivation), points.py (check
points), proof.py (symbolic proof), diagnose.py (an ordered list of diagnosers), verdict.py (the
result types); claims.py connects them. A whole-layer (vector, matrix or batch) claim is read
into matrices by matrices.py (its quantities from wholes.py, its Values from values.py, a batch's
samples from samples.py) and checked entry by entry by vector.py, which names shapes that do not
fit; widths.py (on sums.py) then proves a claim that holds for every width. code.py checks
gradient code, causes.py names why it is wrong.
"""
