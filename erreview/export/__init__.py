"""Board exports: disclosure control and the six-monthly review pack (Excel, PDF, CSV)."""
