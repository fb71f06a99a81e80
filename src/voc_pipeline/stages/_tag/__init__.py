"""The tag stage's parts (``stages.tag`` is the stage and its public names): the span fusion, the
opinion fill, and mentions from BIO labels."""
