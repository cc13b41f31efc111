export * from './build.js';
export * from './client.js';
export * from './double.js';
export * from './errors.js';
export * from './model.js';
export * from './responses.js';
export * from './schema.js';
export * from './submission.js';
export {
  escapeXmlAttribute,
  escapeXmlText,
  forbiddenXmlCharacters,
  parseXml,
  removeForbiddenXmlCharacters,
  serializeXml,
  type XmlElement,
} from './xml.js';
