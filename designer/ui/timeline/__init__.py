"""The timeline of phase blocks: geometry, painting, drags, keys."""
