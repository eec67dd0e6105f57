"""The Teams app package: manifest template, icons, and the tool that fills and zips them."""
