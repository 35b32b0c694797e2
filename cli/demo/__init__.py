"""``smlog demo``: the whole stack with a realistic demo district and a handful of campaigns."""
