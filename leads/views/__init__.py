"""The lead screens: dashboard, leads list, lead detail (with every edit on it) and new lead."""
