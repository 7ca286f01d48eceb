"""Extension singletons, bound to the app in app.create_app (FAB's factory pattern)."""
from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = get_sqla_class()()
appbuilder = AppBuilder(update_perms=False)  # permissions are synced explicitly (app.security)
migrate = Migrate()
csrf = CSRFProtect()
