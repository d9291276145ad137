"""Pure rules and arithmetic over plain records: no Flask request, no views."""
