"""Inter-coder agreement: pure computation, numbers in and numbers out (no Project, no services, no UI).

- `stats`: percent agreement, Cohen's, Fleiss' and Brennan-Prediger's kappa, Gwet's AC1, Krippendorff's alpha
  and Holsti over a coders x units matrix (`agreement()` returns them all).
- `sheet`: reads reliability data from a long-format CSV (`unit,item,coder,value`).
"""

from qualcode.agreement.sheet import ItemMatrix, Sheet, read_sheet
from qualcode.agreement.stats import (
    LEVELS,
    Agreement,
    Holsti,
    agreement,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    holsti,
    krippendorff_alpha,
    percent_agreement,
    pool,
)

__all__ = [
    "LEVELS",
    "Agreement",
    "Holsti",
    "ItemMatrix",
    "Sheet",
    "agreement",
    "brennan_prediger",
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "holsti",
    "krippendorff_alpha",
    "percent_agreement",
    "pool",
    "read_sheet",
]
