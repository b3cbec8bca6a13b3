"""The panel bias check before escalation: roles, case lifecycle, checklist templates, reviews, audit."""
