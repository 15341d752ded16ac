"""One router per page of the review app, plus the JSON API."""
