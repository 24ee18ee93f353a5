"""Rasa's responses in the customer's language, per medium, without a model per language.

Named in ``endpoints.yml`` (``nlg: type: assistant.rasa_nlg.CatalogueNaturalLanguageGenerator``);
the Rasa server builds it and hands it the model's responses. English is the domain's; another
language's are ``assistant/texts/<language>/responses.yml`` (the same shape), chosen at run
time by the conversation's ``language`` slot (set from the gateway's metadata every turn),
else the bank's language. A response a language does not have yet is said in English. Within a
language, Rasa's own generator picks the variation for the medium (``channel: sms``,
``channel: voice``) and fills in slots and the action's values; the bank's phone number
(``{bank_phone}``, ``{bank_phone_spoken}``) comes from the settings.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from assistant.texts import (
    ENGLISH,
    available_languages,
    bank_phone_values,
    default_language,
    responses,
)

LANGUAGE_SLOT = "language"
#: Each generated message says whether a form is still asking (``{"active_loop": name}``), so
#: the gateway knows a question of its own would cut into one (a helper to confirm waits).
DIALOGUE_KEY = "dialogue"


class CatalogueNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Picks the language's response catalogue, then Rasa's per-medium variation in it.

    It is Rasa's templated generator over the domain's (English) responses: Rasa's agent builds
    the generator before it has loaded a model, then gives the model's responses to a templated
    generator (``Agent.load_model``). Other languages are templated generators of their own.
    """

    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self._languages: Dict[str, TemplatedNaturalLanguageGenerator] = {}

    def for_language(self, language: Optional[str]) -> TemplatedNaturalLanguageGenerator:
        """The generator of ``language``'s responses (English's for a language we don't have)."""
        language = language or default_language()
        if language == ENGLISH or language not in available_languages():
            return self
        if language not in self._languages:
            self._languages[language] = TemplatedNaturalLanguageGenerator(responses(language))
        return self._languages[language]

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[Dict[str, Any]]:
        language = tracker.get_slot(LANGUAGE_SLOT)
        message = self.generate_in(
            language, utter_action, tracker.current_slot_values(), output_channel, **kwargs
        )
        if message is not None:
            # An action that ends the form as it speaks ("OK, I have stopped") says so itself.
            message[DIALOGUE_KEY] = kwargs.get(DIALOGUE_KEY) or {
                "active_loop": tracker.active_loop_name
            }
        return message

    def generate_in(
        self,
        language: Optional[str],
        utter_action: str,
        filled_slots: Dict[str, Any],
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[Dict[str, Any]]:
        """``utter_action`` in ``language`` for ``output_channel``, filled in."""
        generator = self.for_language(language)
        if utter_action not in generator.responses:
            generator = self
        values = {**bank_phone_values(), **kwargs}
        return generator.generate_from_slots(utter_action, filled_slots, output_channel, **values)
