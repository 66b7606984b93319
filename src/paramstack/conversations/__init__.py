"""Stored Responses-API responses: per tenant, with the conversation they close (``previous_response_id``)."""
