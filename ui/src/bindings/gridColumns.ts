// Generated from the store's column table by `cargo xtask bindings`. Do not edit.
import type { GridColumn } from "./GridColumn";

export const GRID_COLUMNS: GridColumn[] = [
  {
    "key": "id",
    "label": "Id",
    "attribute": "id",
    "users": true,
    "groups": true,
    "grid": false,
    "shown": false
  },
  {
    "key": "userName",
    "label": "User name",
    "attribute": "userName",
    "sort": "user_name",
    "filterLabel": "User name",
    "filterType": "string",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": true
  },
  {
    "key": "displayName",
    "label": "Name",
    "attribute": "displayName",
    "sort": "display_name",
    "filterLabel": "Display name",
    "filterType": "string",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": true
  },
  {
    "key": "displayName",
    "label": "Group",
    "attribute": "displayName",
    "sort": "display_name",
    "filterLabel": "Name",
    "filterType": "string",
    "users": false,
    "groups": true,
    "grid": true,
    "shown": true
  },
  {
    "key": "givenName",
    "label": "First name",
    "attribute": "name.givenName",
    "sort": "given_name",
    "filterLabel": "First name",
    "filterType": "string",
    "users": true,
    "groups": false,
    "grid": false,
    "shown": false
  },
  {
    "key": "familyName",
    "label": "Last name",
    "attribute": "name.familyName",
    "sort": "family_name",
    "filterLabel": "Last name",
    "filterType": "string",
    "users": true,
    "groups": false,
    "grid": false,
    "shown": false
  },
  {
    "key": "email",
    "label": "Email",
    "attribute": "emails.value",
    "sort": "email",
    "filterLabel": "Email",
    "filterType": "string",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": true
  },
  {
    "key": "phone",
    "label": "Phone",
    "attribute": "phoneNumbers.value",
    "sort": "phone",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": false
  },
  {
    "key": "department",
    "label": "Department",
    "attribute": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "sort": "department",
    "filterLabel": "Department",
    "filterType": "string",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": true
  },
  {
    "key": "title",
    "label": "Title",
    "attribute": "title",
    "sort": "title",
    "filterLabel": "Title",
    "filterType": "string",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": true
  },
  {
    "key": "manager",
    "label": "Manager",
    "attribute": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": false
  },
  {
    "key": "employeeNumber",
    "label": "Employee number",
    "attribute": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "sort": "employee_number",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": false
  },
  {
    "key": "costCenter",
    "label": "Cost center",
    "attribute": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
    "sort": "cost_center",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": false
  },
  {
    "key": "location",
    "label": "City",
    "attribute": "addresses.locality",
    "sort": "locality",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": false
  },
  {
    "key": "active",
    "label": "Status",
    "attribute": "active",
    "sort": "active",
    "filterLabel": "Active",
    "filterType": "boolean",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": true
  },
  {
    "key": "memberCount",
    "label": "Members",
    "attribute": "members",
    "sort": "member_count",
    "users": false,
    "groups": true,
    "grid": true,
    "shown": true
  },
  {
    "key": "description",
    "label": "Description",
    "attribute": "description",
    "users": false,
    "groups": true,
    "grid": true,
    "shown": true
  },
  {
    "key": "lastModified",
    "label": "Last modified",
    "attribute": "meta.lastModified",
    "sort": "last_modified",
    "filterLabel": "Last modified",
    "filterType": "dateTime",
    "users": true,
    "groups": true,
    "grid": true,
    "shown": false
  },
  {
    "key": "externalId",
    "label": "External id",
    "attribute": "externalId",
    "sort": "external_id",
    "filterLabel": "External id",
    "filterType": "string",
    "users": true,
    "groups": false,
    "grid": true,
    "shown": false
  },
  {
    "key": "externalId",
    "label": "External id",
    "attribute": "externalId",
    "sort": "external_id",
    "filterLabel": "External id",
    "filterType": "string",
    "users": false,
    "groups": true,
    "grid": true,
    "shown": false
  }
];
