"""Authentication: hashed API tokens carrying a role and a territory scope."""
