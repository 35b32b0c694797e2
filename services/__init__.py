"""smlog's services: one package per process (dispatch, status, log, reports)."""
