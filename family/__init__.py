"""Family-helper links: invitations, consent, permissions, approvals, helper portal (DESIGN.md 9)."""
