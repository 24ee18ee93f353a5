"""The conversation turn, which every channel calls: identity and PIN handling, then Rasa.

Above the bank's services and the store (``assistant.banking``, ``assistant.identity``,
``assistant.conversations``, ``assistant.readbacks``); below the channels (``voice/``, the web
pages, the JSON API) and the app assembly (``assistant.gateway.app``), which never reach past
it to the tables.
"""
