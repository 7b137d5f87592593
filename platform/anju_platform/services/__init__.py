"""Use cases (one function each): they hold the transaction, ask the pure rules in
anju_platform.workflow what to do, write through anju_platform.repo and do the side
effects (notifications, audit). Routes only parse, call one of these and return; a
refused request is a `ServiceError`, mapped to the error shape once, in the app."""
