"""Delivery channels: one plug-in interface (``base.Channel``) and a registry."""
