"""The helper portal at ``/helper/...``: a page set on the web kit, for relatives who help."""
