from . import handlers
from . import models
from . import controllers
from . import wizards
