/* global document, window, EventSource, setTimeout */
// purseflow portal: the only script, loaded from the same origin (the CSP forbids inline script).
// Pages work without it; it adds code checks while typing and live progress over SSE.
(function () {
  'use strict';

  function luhnCheckDigit(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return (10 - (sum % 10)) % 10;
  }

  // Same rules as portal/offline-code.ts; the server checks again.
  function codeProblem(typed, length) {
    var digits = typed.replace(/[\s-]/g, '');
    if (!/^[0-9]*$/.test(digits)) return 'The code has only digits; type the ' + length + ' digits the Pocket shows.';
    if (digits.length !== length) return 'The code has ' + length + ' digits, you typed ' + digits.length + '.';
    if (luhnCheckDigit(digits.slice(0, -1)) !== Number(digits[digits.length - 1])) {
      return 'That code has a typing mistake (its last digit does not match); compare it digit by digit with the Pocket.';
    }
    return '';
  }

  function wireCodeForms() {
    var forms = document.querySelectorAll('form.code-form');
    Array.prototype.forEach.call(forms, function (form) {
      var input = form.querySelector('input[data-code-length]');
      var message = form.querySelector('[data-code-message]');
      if (!input) return;
      var length = Number(input.getAttribute('data-code-length'));
      form.addEventListener('submit', function (event) {
        var problem = codeProblem(input.value, length);
        if (problem) {
          event.preventDefault();
          input.setAttribute('aria-invalid', 'true');
          if (message) message.textContent = problem;
          input.focus();
        }
      });
      input.addEventListener('input', function () {
        input.removeAttribute('aria-invalid');
        if (message) message.textContent = '';
      });
    });
  }

  function wireLiveDownload() {
    var section = document.querySelector('[data-live-download]');
    if (!section || section.getAttribute('data-finished') === 'true' || !window.EventSource) return;
    var id = section.getAttribute('data-live-download');
    var step = section.getAttribute('data-step');
    var authorization = section.getAttribute('data-authorization') || '';
    // A form being sent must not be cut short by a reload; its answer shows the new state anyway.
    var sending = false;
    Array.prototype.forEach.call(document.querySelectorAll('form'), function (form) {
      form.addEventListener('submit', function (event) {
        if (!event.defaultPrevented) sending = true;
      });
    });
    var source = new EventSource('/api/v1/downloads/' + encodeURIComponent(id) + '/events');
    source.addEventListener('progress', function (event) {
      var view = JSON.parse(event.data);
      var state = section.querySelector('[data-state]');
      if (state) state.textContent = view.stateText;
      var items = section.querySelectorAll('.timeline li');
      view.timeline.forEach(function (entry, i) {
        if (!items[i]) return;
        items[i].className = entry.done ? 'done' : 'todo';
        items[i].firstChild.textContent = entry.done ? 'done: ' : 'to do: ';
      });
      if (view.finished) source.close();
      // A new step or a new code may need another form (a prompt appears or goes): show the page afresh.
      if (!sending && (view.step !== step || (view.authorizationCode || '') !== authorization)) {
        source.close();
        window.location.reload();
      }
    });
  }

  function wireSettlementRefresh() {
    var marker = document.querySelector('[data-refresh-while-running]');
    if (!marker) return;
    var seconds = Number(marker.getAttribute('data-refresh-while-running')) || 5;
    setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }

  document.addEventListener('DOMContentLoaded', function () {
    wireCodeForms();
    wireLiveDownload();
    wireSettlementRefresh();
  });
})();
