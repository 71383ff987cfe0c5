"""Access to care: care offer, travel times and accessibility indicators (2SFCA, E2SFCA, APL)."""
