"""Images through abstractions: handwritten digits, class -> Y' -> image."""
