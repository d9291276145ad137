"""What participants do on their phones: the day page, meetings, responsibilities, feedback."""
