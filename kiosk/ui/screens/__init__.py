"""One page per flow.Screen, plus the attendant pages. Each is a thin view over SessionState."""
