"""Sit-to-stand muscle power from a five-times sit-to-stand or a 30-second chair stand.

Alcazar's equation (Alcazar et al. 2018, the 5-repetition test; 2020, the 30-second test) takes
the mean power of a rise as 90 % of the body mass (the lower legs stay put) raised through the
hips' rise in half the time of one repetition (the other half is the sit):

    power (W) = 0.9 x mass x g x rise / (0.5 x time per repetition)

with the time per repetition the 5xSTS time / 5, or 30 s / the stands of a 30-second chair
stand. The equation estimates the rise as half the body height minus the chair height (the leg
length above the seat); LMM Desktop measures it: the pelvis's rise from seated to standing,
averaged over the counted rises. Relative power (W/kg) needs no body mass; the power in watts is
given when the mass is known.

Low relative power, on the 30-second chair stand: under 2.53 W/kg for men and 2.01 W/kg for
women (Garcia-Aguirre et al., Toledo Study for Healthy Aging, 65-98 years), which went with
frailty, disability and low gait speed. The 5-repetition test's power is given without a cut-off
(those were set on the 30-second test).
"""

from __future__ import annotations

G = 9.81
MASS_SHARE = 0.9
CONCENTRIC_SHARE = 0.5
LOW_POWER_W_KG = {"male": 2.53, "female": 2.01}
"""Relative 30-second sit-to-stand power under which it is low (Garcia-Aguirre et al.)."""
POWER_SOURCE = (
    "Alcazar J, et al. The sit-to-stand muscle power test. Exp Gerontol 2018;112:38-43; "
    "Alcazar J, et al. Sci Rep 2020;10:16337 (30-s test); cut-offs: Garcia-Aguirre M, et al. "
    "Cut-off points for low relative 30-s sit-to-stand power and their associations with "
    "adverse health conditions. J Cachexia Sarcopenia Muscle, doi:10.1002/jcsm.13676"
)
POWER_RULE = (
    "Alcazar's equation: 0.9 x g x rise / (0.5 x time per repetition) W/kg, the rise measured "
    "(the pelvis from seated to standing, mean over the counted rises)"
)


def relative_power_w_kg(rise_m: float, per_repetition_s: float) -> float | None:
    """Relative sit-to-stand power (W/kg) for a hip rise (m) and the time per repetition (s);
    None when either is not positive."""
    if rise_m <= 0 or per_repetition_s <= 0:
        return None
    return MASS_SHARE * G * rise_m / (CONCENTRIC_SHARE * per_repetition_s)


def power_text(measures: dict[str, float]) -> str:
    """'Sit-to-stand power 2.40 W/kg (Alcazar's equation, the hips rising 0.42 m; 180 W).'
    ('' without it; the watts when the body mass was known, ``sts_power_w``)."""
    p = measures.get("sts_power_w_kg")
    if p is None:
        return ""
    text = (f"Sit-to-stand power {p:.2f} W/kg (Alcazar's equation, the hips rising "
            f"{measures.get('hip_rise_m', float('nan')):.2f} m")
    if measures.get("sts_power_w"):
        text += f"; {measures['sts_power_w']:.0f} W"
    return text + ")."


def power_reading(measures: dict[str, float], sex: str | None) -> dict[str, object] | None:
    """The 30-second chair stand's relative power against its cut-off for the sex: ``low``,
    ``cutoff_w_kg`` and a sentence; None without the power or a sex the cut-offs have."""
    p = measures.get("sts_power_w_kg")
    if p is None or sex not in LOW_POWER_W_KG or measures.get("censored"):
        return None
    cut = LOW_POWER_W_KG[str(sex)]
    who = "men" if sex == "male" else "women"
    low = p < cut
    sentence = (f"Relative sit-to-stand power {p:.2f} W/kg: "
                + (f"low (under {cut:.2f} W/kg for {who}), which went with frailty, "
                   "disability and slow gait in older adults" if low
                   else f"not low (low: under {cut:.2f} W/kg for {who})")
                + " (Garcia-Aguirre et al.).")
    return {"low": low, "cutoff_w_kg": cut, "text": sentence}


__all__ = ["LOW_POWER_W_KG", "POWER_RULE", "POWER_SOURCE", "power_reading", "power_text",
           "relative_power_w_kg"]
