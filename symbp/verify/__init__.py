"""Hand derivations and hand-written gradient code checked against the derivation.

`claims.Checker(d).verify(quantity, claim)` -> Verdict (`.ok`, `.diagnosis`, `.counterexample`);
`code.check_gradients(d, fn)` -> CodeReport (`.ok`, `.wrong`); `report` renders both through
`symbp/templates/verify/<lang>/`.
"""
