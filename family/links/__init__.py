"""The family-helper link services (DESIGN.md section 9): invitations and their codes, the
customer's confirmation, permissions, removal, helpers' sign-in codes, co-sign approvals and the
audit of what helpers saw. Part of the core: channels (the conversation's actions, the phone,
the web pages, the helper portal) call these services (``family.links.service.FamilyLinks``)
and never the tables."""
