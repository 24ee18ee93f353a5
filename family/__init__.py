"""Family-helper links: invitations, consent, permissions, approvals, helper portal (DESIGN 9)."""
