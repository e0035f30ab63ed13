"""Customer segments: encoding, choosing k and the method, the fitted model, plain-word profiles."""
