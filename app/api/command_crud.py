"""CRUD endpoints (POST, PUT, DELETE) that run a command (app/commands) instead of FAB's own writes.

The door only parses: JSON body → the schema's field types (marshmallow, 422 on a wrong type), the
read-only fields dropped; then ``Command(g.user, pk, data).run()`` and the command's DomainError /
WorkflowError as a 4xx answer. The rules (bounds, frozen rounds, draft-only decrees…) are the command's.
"""
from flask import g
from marshmallow import ValidationError

from app.api.base import _is_pk, error_response
from app.services.errors import DomainError
from workflows.engine import WorkflowError


class CommandCrudApiMixin:
    """Set ``create_command``, ``edit_command``, ``delete_command`` (``_RowCommand`` classes)."""

    create_command = None
    edit_command = None
    delete_command = None

    def _parsed(self, schema, body, columns):
        data, errors = {}, {}
        for name, value in body.items():
            field = schema.fields.get(name)
            if field is None or name not in columns:
                continue  # unknown or not writable here: ignored, as FAB's schemas do with load_only
            try:
                data[name] = None if value is None else field.deserialize(value, name, body)
            except ValidationError as err:
                errors[name] = err.messages
        if errors:
            raise ValidationError(errors)
        return data

    def _run_command(self, command, status, dump):
        try:
            row = command.run()
        except (DomainError, WorkflowError) as err:
            return error_response(self, err)
        return self.response(status, **dump(row))

    def post_headless(self):
        if self.create_command is None:
            return super().post_headless()
        body = self._json_body()
        try:
            data = self._parsed(self.add_model_schema, body, self.add_columns)
        except ValidationError as err:
            return self.response_422(message=err.messages)
        return self._run_command(self.create_command(g.user, None, data), 201, lambda row: {
            "id": row.id, "result": self.add_model_schema.dump(row, many=False)})

    def put_headless(self, pk):
        if self.edit_command is None:
            return super().put_headless(pk)
        if not _is_pk(pk) or self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        body = self._json_body()
        try:
            data = self._parsed(self.edit_model_schema, body, self.edit_columns)
        except ValidationError as err:
            return self.response_422(message=err.messages)
        return self._run_command(self.edit_command(g.user, int(pk), data), 200, lambda row: {
            "result": self.edit_model_schema.dump(row, many=False)})

    def delete_headless(self, pk):
        if self.delete_command is None:
            return super().delete_headless(pk)
        if not _is_pk(pk) or self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        return self._run_command(self.delete_command(g.user, int(pk)), 200, lambda row: {"message": "OK"})
