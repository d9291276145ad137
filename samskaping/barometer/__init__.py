"""The 3F barometer (forståelse): participants answer rounds; the leader runs them and reads results."""
