"""Languages: the catalogs every visible string goes through, which language a person and a
group speak, and figures written the way each language writes them."""
