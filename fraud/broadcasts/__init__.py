"""Warning broadcasts (DESIGN.md section 8): scam warnings fraud-operations staff write and
publish to an audience; each customer meets a warning once, by their preferred channel, on the
web pages and at the start of their next conversation. The API is
:class:`fraud.broadcasts.service.Broadcasts` (its module doc lists it); :mod:`.audience` says
who a warning is for, :mod:`.views` and :mod:`.errors` what the service takes, gives and
refuses, :mod:`.pushes` its texts and calls in the outbox."""
