"""Extension singletons, bound to the app in app.create_app (FAB's factory pattern)."""
from flask import current_app
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.local import LocalProxy

db = get_sqla_class()()
migrate = Migrate()
csrf = CSRFProtect()
# create_app builds one AppBuilder per app (tests build several apps in one process; an AppBuilder keeps its
# registered views), so the module-level name is a proxy to the current app's instance.
appbuilder = LocalProxy(lambda: current_app.appbuilder)
