"""The project leader's dashboard: the three F's at a glance."""
