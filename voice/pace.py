"""A call's pace: a step on the ladder of speech rates in ``Settings.voice_rates``.

Step 0 is the normal pace (90%); a customer whose profile says slow starts one step down
(80%). "slower" (or key 8) goes one step down until the last step (60%), "faster" (or key 7)
one step back up until step 0. The assistant only says which way to go (the custom payload
``{"speech_rate": "slower"}`` or ``"faster"``); the call keeps its step (``voice_calls``) and
says itself how the pace changed, or that it cannot go further.
"""

from __future__ import annotations

from typing import Tuple

from assistant.settings import Settings

SLOWER, FASTER = "slower", "faster"
#: Where a call starts, by the customer's profile (``customers.speech_rate``).
PROFILE_STEPS = {"normal": 0, "slow": 1}
#: How the pace was kept before it had steps (calls in progress across an upgrade).
OLD_NAMES = {"normal": 0, "slow": 1}


def start_pace(settings: Settings, profile: str) -> str:
    """The pace a call starts at for a customer whose profile says ``profile``."""
    return _pace(settings, PROFILE_STEPS.get(profile, 0))


def step_of(settings: Settings, pace: str) -> int:
    """The step a stored pace stands for, within the ladder."""
    if pace in OLD_NAMES:
        step = OLD_NAMES[pace]
    else:
        try:
            step = int(pace)
        except (TypeError, ValueError):
            step = 0
    return max(0, min(step, len(settings.voice_rate_steps) - 1))


def rate_for(settings: Settings, pace: str) -> str:
    """The SSML prosody rate of a call at ``pace``."""
    return settings.voice_rate_steps[step_of(settings, pace)]


def change(settings: Settings, pace: str, direction: str) -> Tuple[str, bool]:
    """``pace`` one step ``direction`` ("slower" or "faster"), and whether it moved at all."""
    step = step_of(settings, pace)
    wanted = step + 1 if direction == SLOWER else step - 1 if direction == FASTER else step
    new = _pace(settings, wanted)
    return new, step_of(settings, new) != step


def _pace(settings: Settings, step: int) -> str:
    return str(max(0, min(step, len(settings.voice_rate_steps) - 1)))
