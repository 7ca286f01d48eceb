"""FAB screens (ModelView) whose add / edit / delete run a command (app/commands) instead of FAB's own
writes: the screen only parses the form (WTForms types), runs ``Command(g.user, pk, data)`` and flashes
the outcome; a refusal is a flashed message and a redirect, never a 500, and nothing is written.
"""
from flask import abort, flash, g, request

from app.services.errors import DomainError
from workflows.engine import WorkflowError


def refusal_message(err) -> str:
    """The flashed text of a refusal (the field's label is not known here: the message names the rule)."""
    return getattr(err, "message", None) or str(err)


class CommandCrudViewMixin:
    """Set ``create_command``, ``edit_command``, ``delete_command`` (``_RowCommand`` classes)."""

    create_command = None
    edit_command = None
    delete_command = None

    def _form_data(self, form, columns) -> dict:
        """The form's values by column; a relation (``round``) becomes its id (``round_id``)."""
        data = {}
        for name in columns:
            field = getattr(form, name, None)
            if field is None:
                continue
            value = field.data
            if self.datamodel.is_relation(name):
                data[f"{name}_id"] = getattr(value, "id", None)
            else:
                data[name] = value
        return data

    def _run_command(self, command, success) -> bool:
        try:
            command.run()
        except (DomainError, WorkflowError) as err:
            flash(refusal_message(err), "danger")
            return False
        flash(success, "success")
        return True

    def _add(self):
        if request.method != "POST" or self.create_command is None:
            return super()._add()
        form = self.add_form.refresh()
        self._fill_form_exclude_cols(self._filters.get_relation_cols(), form)
        if not form.validate():
            return super()._add()  # shows the form with its errors (nothing is written)
        self.process_form(form, True)
        self._run_command(self.create_command(g.user, None, self._form_data(form, self.add_columns)),
                          self.add_row_message)
        return None

    def _edit(self, pk):
        if request.method != "POST" or self.edit_command is None:
            return super()._edit(pk)
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        form = self.edit_form.refresh(request.form)
        self._fill_form_exclude_cols(self._filters.get_relation_cols(), form)
        form._id = pk
        if not form.validate():
            return super()._edit(pk)
        self.process_form(form, False)
        self._run_command(self.edit_command(g.user, pk, self._form_data(form, self.edit_columns)),
                          self.edit_row_message)
        return None

    def _delete(self, pk):
        if self.delete_command is None:
            return super()._delete(pk)
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        self._run_command(self.delete_command(g.user, self.datamodel.get_pk_value(item)), self.delete_row_message)
        self.update_redirect()
        return None
