// Label scanner: reads a QR code or barcode from the camera or from a photo, then either
// opens a location's capture page (data-scanner="location") or fills a batch number field
// (data-scanner="batch"). Decoding: the browser's BarcodeDetector where it has one (Android
// Chrome), otherwise zxing-wasm (static/vendor/zxing-wasm, vendored by
// scripts/vendor_assets.py), whose WebAssembly module is fetched on the first decode.
//
// Messages come from the page (data-msg-*), translated there. Nothing a code says is
// followed unless it is this archive's capture page of a location of this project.
(function () {
  "use strict";

  var FORMATS = {
    location: { zxing: ["QRCode"], native: ["qr_code"] },
    batch: {
      zxing: ["QRCode", "DataMatrix", "Code128", "EAN13", "EAN8", "UPCA", "ITF", "Code39"],
      native: ["qr_code", "data_matrix", "code_128", "ean_13", "ean_8", "upc_a", "itf", "code_39"],
    },
  };
  var PRODUCT_CODES = ["EAN13", "EAN8", "UPCA", "UPCE", "ITF", "ean_13", "ean_8", "upc_a", "upc_e", "itf"];

  function message(root, name, values) {
    var text = root.dataset["msg" + name] || name;
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(values[key]);
    });
    return text;
  }

  // --- Decoding ---

  var zxingReady = null;

  function zxing(root) {
    if (!zxingReady) {
      var wasm = new URL(root.dataset.wasm, window.location.href).href;
      window.ZXingWASM.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return path.endsWith(".wasm") ? wasm : prefix + path;
          },
        },
      });
      zxingReady = Promise.resolve(window.ZXingWASM);
    }
    return zxingReady;
  }

  async function nativeDetector(kind) {
    if (!("BarcodeDetector" in window)) return null;
    try {
      var supported = await window.BarcodeDetector.getSupportedFormats();
      var formats = FORMATS[kind].native.filter(function (f) { return supported.indexOf(f) >= 0; });
      return formats.length ? new window.BarcodeDetector({ formats: formats }) : null;
    } catch (error) {
      return null;
    }
  }

  // Codes read from a photo (a Blob) or a camera frame (ImageData): [{text, format}].
  async function decode(root, kind, source) {
    var detector = await nativeDetector(kind);
    if (detector) {
      var image = source instanceof Blob ? await createImageBitmap(source) : source;
      var found = await detector.detect(image);
      return found.map(function (code) { return { text: code.rawValue, format: code.format }; });
    }
    var library = await zxing(root);
    var results = await library.readBarcodes(source, {
      formats: FORMATS[kind].zxing,
      tryHarder: true,
      maxNumberOfSymbols: 4,
    });
    return results
      .filter(function (r) { return r.isValid; })
      .map(function (r) { return { text: r.text, format: r.format, symbology: r.symbologyIdentifier }; });
  }

  // --- What a code means ---

  function openLocation(root, codes, say) {
    var texts = codes.map(function (c) { return c.text; }).filter(function (t, i, all) {
      return all.indexOf(t) === i;
    });
    if (texts.length > 1) return say(message(root, "Several"), "refused");
    var text = texts[0];
    var url;
    try {
      url = new URL(text);
    } catch (error) {
      return say(message(root, "NotLabel", { code: text.slice(0, 80) }), "refused");
    }
    var origins = (root.dataset.origins || "").split(" ");
    if (origins.indexOf(url.origin) < 0) {
      return say(message(root, "Foreign", { origin: url.origin }), "refused");
    }
    var match = url.pathname.match(/^\/projects\/(\d+)\/locations\/(\d+)\/capture\/$/);
    if (!match || url.search || url.hash) {
      return say(message(root, "NotLabel", { code: text.slice(0, 80) }), "refused");
    }
    if (match[1] !== root.dataset.project) return say(message(root, "OtherProject"), "refused");
    say(message(root, "Opening"), "found");
    // The path on this origin: the same archive, however the phone reached it.
    window.location.assign(url.pathname);
    return true;
  }

  // GS1 element strings without parentheses (a GS1-128 read as raw text): the AI's own
  // length from its first two digits, the whole element's length where it is fixed (GS1
  // General Specifications, figure 5.10.1-1); other elements end at a group separator.
  var GS1_FIXED_TOTAL = {
    "00": 20, "01": 16, "02": 16, "03": 16, "04": 18, "11": 8, "12": 8, "13": 8, "14": 8,
    "15": 8, "16": 8, "17": 8, "18": 8, "19": 8, "20": 4, "31": 10, "32": 10, "33": 10,
    "34": 10, "35": 10, "36": 10, "41": 16,
  };

  function aiLength(prefix) {
    var n = parseInt(prefix, 10);
    if (n <= 22 || n === 30 || n === 37 || n >= 90) return 2;
    if ((n >= 23 && n <= 29) || (n >= 40 && n <= 42) || n === 71) return 3;
    return 4;
  }

  function gs1Fields(text) {
    var fields = {};
    if (/^\(\d{2,4}\)/.test(text)) {
      var part = /\((\d{2,4})\)([^(]*)/g;
      var m;
      while ((m = part.exec(text))) fields[m[1]] = m[2];
      return fields;
    }
    var rest = text.replace(/^\][CdQe][0-9]/, "").replace(/^\x1d/, "");
    while (rest.length > 2) {
      var prefix = rest.slice(0, 2);
      var ai = rest.slice(0, aiLength(prefix));
      var total = GS1_FIXED_TOTAL[prefix];
      var end = total || rest.indexOf("\x1d");
      if (end < 0) end = rest.length;
      fields[ai] = rest.slice(ai.length, end);
      rest = rest.slice(end).replace(/^\x1d/, "");
    }
    return fields;
  }

  // {batch, how} from a code's text, or {batch: null, why}.
  function batchFrom(code) {
    var text = code.text.trim();
    var gs1 = /^\(\d{2,4}\)/.test(text) || /^\][CdQe]1/.test(text) ||
      text.indexOf("\x1d") >= 0 || /^\](C1|d2|Q3|e0)$/.test(code.symbology || "");
    if (gs1) {
      var fields = gs1Fields(text);
      return fields["10"] ? { batch: fields["10"], how: "gs1" } : { batch: null, why: "gs1" };
    }
    var link;
    try { link = new URL(text); } catch (error) { link = null; }
    if (link) {
      // A GS1 Digital Link: …/01/<GTIN>/10/<batch>…
      var lot = link.pathname.match(/\/01\/\d{8,14}\/10\/([^/?#]+)/);
      return lot ? { batch: decodeURIComponent(lot[1]), how: "gs1" } : { batch: null, why: "url" };
    }
    if (PRODUCT_CODES.indexOf(code.format) >= 0) return { batch: null, why: "product" };
    if (/^[0-9A-Za-z][0-9A-Za-z\-\/._]{0,99}$/.test(text)) return { batch: text, how: "plain" };
    return { batch: null, why: "plain" };
  }

  function fillBatch(root, codes, say) {
    var field = document.getElementById(root.dataset.field);
    var answers = codes.map(batchFrom);
    var found = answers.filter(function (a) { return a.batch; });
    var gs1 = found.filter(function (a) { return a.how === "gs1"; });
    var answer = gs1[0] || found[0];
    if (!answer) {
      var shown = codes[0].text.replace(/\x1d/g, " ").slice(0, 80);
      return say(message(root, "NoBatch", { code: shown }), "refused");
    }
    field.value = answer.batch;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    var details = field.closest("details");
    if (details) details.open = true;
    var name = answer.how === "gs1" ? "FilledGs1" : "FilledPlain";
    say(message(root, name, { batch: answer.batch }), "found");
    return true;
  }

  // --- The scanner on the page ---

  function setUp(root) {
    var kind = root.dataset.scanner;
    var status = root.querySelector("[data-scan-status]");
    var photo = root.querySelector("[data-scan-photo]");
    var cameraButton = root.querySelector("[data-scan-camera]");
    var stopButton = root.querySelector("[data-scan-stop]");
    var video = root.querySelector("[data-scan-video]");
    var stream = null;

    function say(text, tone) {
      status.textContent = text;
      status.className = "scan-status" + (tone ? " " + tone : "");
      return false;
    }

    function use(codes) {
      if (!codes.length) return false;
      return kind === "location" ? openLocation(root, codes, say) : fillBatch(root, codes, say);
    }

    photo.addEventListener("change", async function () {
      var file = photo.files[0];
      if (!file) return;
      say(message(root, "Reading"));
      var codes = [];
      try {
        codes = await decode(root, kind, file);
      } catch (error) {
        codes = [];
      }
      photo.value = "";
      if (!codes.length) say(message(root, "Unreadable"), "refused");
      else use(codes);
    });

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.hidden = true;
      stopButton.hidden = true;
      cameraButton.hidden = false;
    }

    async function watch() {
      if (!stream) return;
      if (video.readyState >= 2 && video.videoWidth) {
        var canvas = document.createElement("canvas");
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        var context = canvas.getContext("2d", { willReadFrequently: true });
        context.drawImage(video, 0, 0);
        var frame = context.getImageData(0, 0, canvas.width, canvas.height);
        try {
          var codes = await decode(root, kind, frame);
          if (codes.length) {
            stop();
            use(codes);
            return;
          }
        } catch (error) {
          // An unreadable frame: the next one may be sharper.
        }
      }
      window.setTimeout(watch, 300);
    }

    if (cameraButton && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      cameraButton.hidden = false;
      cameraButton.addEventListener("click", async function () {
        try {
          stream = await navigator.mediaDevices.getUserMedia({
            video: { facingMode: "environment" },
            audio: false,
          });
        } catch (error) {
          say(message(root, "NoCamera", { reason: error.name || String(error) }), "refused");
          return;
        }
        video.srcObject = stream;
        video.hidden = false;
        cameraButton.hidden = true;
        stopButton.hidden = false;
        await video.play();
        say(message(root, "Reading"));
        watch();
      });
      stopButton.addEventListener("click", function () {
        stop();
        say("");
      });
    }
  }

  document.querySelectorAll("[data-scanner]").forEach(setUp);
})();
