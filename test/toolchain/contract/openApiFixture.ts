/** A small OpenAPI 3.1 document with the shapes the factory generates: a collection, an item, a command. */
export const itemsApi = {
  openapi: '3.1.0',
  info: { title: 'Items', version: '1.0.0' },
  paths: {
    '/v1/items': {
      get: {
        operationId: 'listItems',
        parameters: [{ $ref: '#/components/parameters/Limit' }],
        responses: {
          '200': {
            description: 'A page',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ItemPage' } } },
          },
          '400': { $ref: '#/components/responses/BadRequest' },
        },
      },
      post: {
        operationId: 'createItem',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ItemCreate' } } },
        },
        responses: {
          '201': {
            description: 'Created',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
          },
          '400': { $ref: '#/components/responses/BadRequest' },
        },
      },
    },
    '/v1/items/search': {
      get: {
        operationId: 'searchItems',
        responses: {
          '200': {
            description: 'Found',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ItemPage' } } },
          },
        },
      },
    },
    '/v1/items/{id}': {
      get: {
        operationId: 'getItem',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        responses: {
          '200': {
            description: 'The item',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
          },
          '404': {
            description: 'Unknown',
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
        },
      },
      delete: {
        operationId: 'deleteItem',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        responses: {
          '204': { description: 'Deleted' },
          '4XX': { $ref: '#/components/responses/BadRequest' },
        },
      },
    },
  },
  components: {
    parameters: {
      Limit: {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 100 },
      },
    },
    responses: {
      BadRequest: {
        description: 'Invalid',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
    schemas: {
      ItemCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'price'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 20 },
          price: { type: 'string', pattern: '^[0-9]{1,10}(\\.[0-9]{1,2})?$' },
          due: { type: 'string', format: 'date' },
          size: { type: 'string', enum: ['s', 'm', 'l'] },
        },
      },
      Item: {
        type: 'object',
        required: ['id', 'name', 'price'],
        properties: {
          id: { type: 'string', format: 'uuid', readOnly: true },
          name: { type: 'string' },
          price: { type: 'string', pattern: '^[0-9]{1,10}(\\.[0-9]{1,2})?$' },
          due: { type: 'string', format: 'date' },
          size: { type: 'string', enum: ['s', 'm', 'l'] },
        },
      },
      ItemPage: {
        type: 'object',
        required: ['items', 'total'],
        properties: {
          items: { type: 'array', items: { $ref: '#/components/schemas/Item' } },
          total: { type: 'integer' },
        },
      },
      Problem: {
        type: 'object',
        required: ['title', 'status'],
        properties: { title: { type: 'string' }, status: { type: 'integer' } },
      },
    },
  },
};
