"""Detection: presence model, stranger clustering, violation rules, alert merging."""
