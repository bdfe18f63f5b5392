"""The application tier (``app_tier``): what fails over with the database in front of it."""
