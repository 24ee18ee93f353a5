"""Outbound messaging, a core service every sender uses without importing a channel.

The SMS channel (``voice/``), the lockout and PIN-change texts, and later the worker's alerts
and broadcasts and the helper portal's invitations all go through it:

- :mod:`~assistant.messaging.transport`: ``build_transport(settings).send_sms(...)`` /
  ``.place_call(...)`` on the real Twilio REST client (or its loopback fake,
  :mod:`~assistant.messaging.fake_twilio`);
- :mod:`~assistant.messaging.opt_outs`: a number's STOP/START choice, honoured by every text;
- :mod:`~assistant.messaging.sms_records`: metadata and delivery status of every text in and out;
- :mod:`~assistant.messaging.sms_text`: GSM-7 shaping and segment counts;
- :mod:`~assistant.messaging.pin_alerts`: the security texts identity sends (lockout, PIN change);
- :mod:`~assistant.messaging.outbox`: texts and calls queued with the change they tell of, one
  (``add``) or thousands (``add_many``); a batch's progress and cancelling; a call's script;
- :mod:`~assistant.messaging.outbox_delivery`: the worker's delivery in batches (claims in
  :mod:`~assistant.messaging.outbox_claims`, outcomes in
  :mod:`~assistant.messaging.outbox_outcomes`), with :mod:`~assistant.messaging.quiet_hours` and
  :mod:`~assistant.messaging.rate_limits`;
- :mod:`~assistant.messaging.delivery_status`: Twilio's status callbacks on outbox messages;
- :mod:`~assistant.messaging.models`: its tables (``sms_opt_outs``, ``sms_messages``,
  ``outbox_messages``).
"""
