// @ts-check
/*
 * Bigpipe client. The server streams every pagelet as
 * `<script>bigpipe.set("name", data, meta)</script>`; this script puts the
 * data into the pagelet's placeholder `<div data-pagelet="name">`.
 *
 * It is a classic (not module) script loaded in <head> without `defer`: it
 * is small, and `bigpipe.set` must exist before the first pagelet arrives.
 *
 *   bigpipe.ready(name, fn)   render a pagelet yourself: fn(data, meta, element)
 *                             (called at once if the pagelet already arrived)
 *   bigpipe.set(name, data, meta)   called by the server's scripts
 *
 * Data is rendered as text (never as markup): through
 * `<template data-pagelet-template="name">` with `data-field="key"` slots if
 * the page has one, else as text, a list (`<ul>`) or fields (`<dl>`).
 * Only a pagelet the server declared as trusted HTML (`meta.html`) is
 * inserted with innerHTML.
 */
(function () {
  'use strict';

  /**
   * @typedef {{ html?: boolean, error?: string }} Meta
   * @typedef {(data: unknown, meta: Meta, element: HTMLElement | null) => void} Handler
   */

  var ERROR_TEXT = 'This part of the page could not be loaded.';
  /** @type {Record<string, { data: unknown, meta: Meta }>} pagelets that arrived */
  var received = Object.create(null);
  /** @type {Record<string, Handler[]>} */
  var handlers = Object.create(null);

  var win = /** @type {Window & { bigpipe?: object }} */ (window);
  if (win.bigpipe) return; // loaded twice: keep the first, it may hold state

  /**
   * @param {string} name
   * @param {unknown} data
   * @param {Meta} [meta]
   */
  function set(name, data, meta) {
    var info = meta || {};
    received[name] = { data: data, meta: info };
    var element = placeholder(name);
    var own = handlers[name];
    if (element) {
      if (info.error) element.textContent = ERROR_TEXT;
      else if (!own) render(element, name, data, info.html === true);
      element.setAttribute('data-state', info.error ? 'error' : 'done');
      element.removeAttribute('aria-busy');
    }
    if (own)
      own.forEach(function (fn) {
        call(fn, data, info, element);
      });
  }

  /**
   * Registers a renderer for a pagelet. If the pagelet has already arrived
   * (the handler was registered late), it is delivered now.
   * @param {string} name
   * @param {Handler} fn
   */
  function ready(name, fn) {
    (handlers[name] = handlers[name] || []).push(fn);
    var got = received[name];
    if (got) call(fn, got.data, got.meta, placeholder(name));
  }

  /**
   * A throwing handler must not stop the other handlers or pagelets; its
   * error still shows in the console.
   * @param {Handler} fn @param {unknown} data @param {Meta} meta @param {HTMLElement | null} element
   */
  function call(fn, data, meta, element) {
    try {
      fn(data, meta, element);
    } catch (err) {
      setTimeout(function () {
        throw err;
      });
    }
  }

  /** @param {string} name @returns {HTMLElement | null} */
  function placeholder(name) {
    return findByAttribute('data-pagelet', name);
  }

  /**
   * Compares attribute values instead of building a CSS selector from a name.
   * @param {string} attribute @param {string} value @returns {HTMLElement | null}
   */
  function findByAttribute(attribute, value) {
    var all = document.querySelectorAll('[' + attribute + ']');
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute(attribute) === value) return /** @type {HTMLElement} */ (all[i]);
    }
    return null;
  }

  /** @param {HTMLElement} element @param {string} name @param {unknown} data @param {boolean} trustedHtml */
  function render(element, name, data, trustedHtml) {
    if (trustedHtml) {
      // Only for pagelets the server declared `html: true`: markup it built itself.
      element.innerHTML = String(data);
      return;
    }
    var template = /** @type {HTMLTemplateElement | null} */ (findByAttribute('data-pagelet-template', name));
    element.replaceChildren(template instanceof HTMLTemplateElement ? fromTemplate(template, data) : renderData(data));
  }

  /**
   * One copy of the template (one per item for a list), each
   * `data-field="key"` filled with that field as text.
   * @param {HTMLTemplateElement} template @param {unknown} data @returns {DocumentFragment}
   */
  function fromTemplate(template, data) {
    var out = document.createDocumentFragment();
    var items = Array.isArray(data) ? data : [data];
    items.forEach(function (item) {
      var copy = /** @type {DocumentFragment} */ (template.content.cloneNode(true));
      copy.querySelectorAll('[data-field]').forEach(function (slot) {
        var value = field(item, slot.getAttribute('data-field') || '');
        slot.replaceChildren(value !== null && typeof value === 'object' ? renderData(value) : document.createTextNode(value === undefined || value === null ? '' : String(value)));
      });
      out.append(copy);
    });
    return out;
  }

  /**
   * Own fields only: a slot named `__proto__` or `constructor` shows nothing.
   * @param {unknown} item @param {string} key @returns {unknown}
   */
  function field(item, key) {
    if (item === null || typeof item !== 'object' || !Object.prototype.hasOwnProperty.call(item, key)) return undefined;
    return /** @type {Record<string, unknown>} */ (item)[key];
  }

  /**
   * Text as text, a list as `<ul>`, an object as `<dl>` of its fields: the
   * same markup the server renders for the no-JavaScript page.
   * @param {unknown} data @returns {Node}
   */
  function renderData(data) {
    if (data === null || data === undefined) return document.createTextNode('');
    if (Array.isArray(data)) {
      var list = document.createElement('ul');
      data.forEach(function (item) {
        var li = document.createElement('li');
        li.append(renderData(item));
        list.append(li);
      });
      return list;
    }
    if (typeof data === 'object') {
      var fields = document.createElement('dl');
      Object.keys(data).forEach(function (key) {
        var dt = document.createElement('dt');
        dt.textContent = key;
        var dd = document.createElement('dd');
        dd.append(renderData(/** @type {Record<string, unknown>} */ (data)[key]));
        fields.append(dt, dd);
      });
      return fields;
    }
    return document.createTextNode(String(data));
  }

  win.bigpipe = { set: set, ready: ready };
})();
