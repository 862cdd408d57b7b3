/* Independent verification of a draw's evidence bundle (draw-evidence/1, docs/draw-spec.md),
   in the visitor's browser with WebCrypto only. No library, no server help: the bundle and the
   announcement recorded before the randomness are the only inputs.

   This one file is used by the draw pages of the public site and, inlined, by the standalone
   verifier a visitor saves and opens from disk. It defines window.SsjVerify:

     SsjVerify.verifyBundle(bundle, recordedAnnouncement, options) -> Promise<report>
       report = {ok, mismatches: [{code, detail, message_zh}], checked: [...], limits: [...]}
       options.published = {selected, one_time_code_hex}  the selection shown on the page
       options.taskCode   = the task the page is about
       options.onProgress = function (done, total) for large frames

   The steps follow section 13 of the specification: format, announcement, commitment chain,
   randomness, frame hash (members hashes; declared hashes for withheld strata), quotas, and the
   re-derived selection (AES-128 through AES-CBC with a zero IV, or HMAC-SHA256). */
(function (root) {
  "use strict";

  var FORMAT = "draw-evidence/1";
  var ALGORITHMS = ["ssj-draw/1", "ssj-draw/1-hmac"];
  var OUTSIDE = ["lottery", "beacon", "ceremony"];
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var USCC = /^[0-9A-Z]{18}$/;
  var HEX = /^[0-9a-fA-F]+$/;
  var utf8 = new TextEncoder();

  // --- bytes -------------------------------------------------------------------------------
  function toHex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return out;
  }
  function fromHex(text) {
    if (typeof text !== "string" || text.length % 2 || (text.length && !HEX.test(text))) {
      throw new Error("not hexadecimal: " + String(text).slice(0, 40));
    }
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(text.substr(i * 2, 2), 16); }
    return out;
  }
  function concat(chunks) {
    var size = 0, i;
    for (i = 0; i < chunks.length; i++) { size += chunks[i].length; }
    var out = new Uint8Array(size), at = 0;
    for (i = 0; i < chunks.length; i++) { out.set(chunks[i], at); at += chunks[i].length; }
    return out;
  }
  function compareBytes(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) { if (a[i] !== b[i]) { return a[i] < b[i] ? -1 : 1; } }
    return a.length - b.length;
  }
  // Code point order = UTF-8 byte order (JavaScript's own < compares UTF-16 code units).
  function compareText(a, b) { return compareBytes(utf8.encode(a), utf8.encode(b)); }
  function strictlyAscending(list) {
    for (var i = 1; i < list.length; i++) { if (compareText(list[i - 1], list[i]) >= 0) { return false; } }
    return true;
  }

  // --- encodings (section 3) ---------------------------------------------------------------
  function atom(value) {
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value) || value < 0) { throw new Error("not a non-negative integer: " + value); }
      return utf8.encode(String(value));
    }
    if (typeof value === "string") { return utf8.encode(value); }
    if (value instanceof Uint8Array) { return value; }
    throw new Error("no canonical encoding for " + typeof value);
  }
  function lengthPrefixed(data) {
    var prefix = new Uint8Array(8), n = data.length;
    for (var i = 7; i >= 0; i--) { prefix[i] = n % 256; n = Math.floor(n / 256); }
    return concat([prefix, data]);
  }
  function encodeParts(parts) {
    return concat(parts.map(function (part) { return lengthPrefixed(atom(part)); }));
  }
  function encodeSourceValue(value) {
    if (typeof value === "string") {
      if (!HEX.test(value)) { throw new Error("a text source value must be hexadecimal"); }
      return value.toLowerCase() + "/";
    }
    if (!Array.isArray(value)) { throw new Error("a source value is a list of integers or a hex text"); }
    var numbers = value.map(function (v) {
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) { throw new Error("RFC 3797 encodes non-negative integers only"); }
      return v;
    }).sort(function (a, b) { return a - b; });
    return numbers.map(function (v) { return v + "."; }).join("") + "/";
  }
  function encodeIkm(values) { return values.map(encodeSourceValue).join(""); }

  // --- primitives ----------------------------------------------------------------------------
  function subtle() {
    if (!root.crypto || !root.crypto.subtle) {
      throw new Error("WebCrypto is not available: open this page over HTTPS (or from disk / localhost)");
    }
    return root.crypto.subtle;
  }
  function sha256(bytes) {
    return subtle().digest("SHA-256", bytes).then(function (out) { return new Uint8Array(out); });
  }
  function hmacKey(key) {
    return subtle().importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  }
  function hmac(key, message) {
    return hmacKey(key).then(function (k) { return subtle().sign("HMAC", k, message); })
      .then(function (out) { return new Uint8Array(out); });
  }
  function sha256Times(data, times) {
    var step = Promise.resolve(data);
    for (var i = 0; i < times; i++) { step = step.then(sha256); }
    return step;
  }

  // Section 6: PRK = HMAC(code, IKM); K_entities = HKDF-Expand(PRK, "entities", 32) = HMAC(PRK, "entities" || 0x01).
  function deriveEntitiesKey(code, ikm) {
    return hmac(code, utf8.encode(ikm)).then(function (prk) {
      return hmac(prk, concat([utf8.encode("entities"), new Uint8Array([1])]));
    });
  }

  // Section 9.1: 18 six-bit digits followed by 20 zero bits, 16 bytes big-endian.
  function usccBlock(label) {
    if (!USCC.test(label)) { throw new Error("not a canonical 统一社会信用代码: " + label); }
    var v = BigInt(0);
    for (var i = 0; i < label.length; i++) { v = v * BigInt(64) + BigInt(DIGITS.indexOf(label[i])); }
    v = v << BigInt(20);
    var out = new Uint8Array(16);
    for (var j = 15; j >= 0; j--) { out[j] = Number(v & BigInt(255)); v = v >> BigInt(8); }
    return out;
  }

  // Order values of many labels: AES-128 of each block (AES-CBC, zero IV, first 16 bytes of the
  // output) or HMAC-SHA256 of the label. Batched so that large strata do not exhaust memory.
  function orderValues(algorithm, keyEntities, labels, progress) {
    var results = new Array(labels.length);
    var batch = 2048;
    var keyPromise = algorithm === "ssj-draw/1"
      ? subtle().importKey("raw", keyEntities.slice(0, 16), { name: "AES-CBC" }, false, ["encrypt"])
      : hmacKey(keyEntities);
    var zeroIv = new Uint8Array(16);
    return keyPromise.then(function (key) {
      function one(label) {
        if (algorithm === "ssj-draw/1") {
          return subtle().encrypt({ name: "AES-CBC", iv: zeroIv }, key, usccBlock(label))
            .then(function (out) { return new Uint8Array(out).slice(0, 16); });
        }
        return subtle().sign("HMAC", key, utf8.encode(label)).then(function (out) { return new Uint8Array(out); });
      }
      function run(start) {
        if (start >= labels.length) { return results; }
        var jobs = [];
        for (var i = start; i < Math.min(labels.length, start + batch); i++) {
          jobs.push(one(labels[i]).then((function (at) { return function (v) { results[at] = v; }; })(i)));
        }
        return Promise.all(jobs).then(function () {
          if (progress) { progress(Math.min(labels.length, start + batch), labels.length); }
          return run(start + batch);
        });
      }
      return run(0);
    });
  }

  function membersHash(labels) {
    return sha256(encodeParts(["ssj-members/1", labels.length].concat(labels)));
  }

  function opaqueKey(salt, taskCode, privateKey) {
    return hmac(salt, encodeParts(["ssj-stratum/1", taskCode, privateKey]))
      .then(function (mac) { return "x-" + toHex(mac).slice(0, 16); });
  }

  function parseRatio(text) {
    text = String(text).trim();
    var m = /^(\d+)\s*\/\s*(\d+)$/.exec(text);
    if (m) { return [BigInt(m[1]), BigInt(m[2])]; }
    m = /^(\d+)(?:\.(\d+))?\s*%$/.exec(text);
    if (m) {
      var decimals = m[2] || "";
      return [BigInt(m[1] + decimals), BigInt(100) * BigInt(10) ** BigInt(decimals.length)];
    }
    throw new Error("a ratio is written num/den or N%: " + text);
  }
  function quotaCeil(size, num, den) {
    var s = BigInt(size);
    var q = (s * num + den - BigInt(1)) / den;  // ceil(size * num / den) for non-negative integers
    return Number(q < s ? q : s);
  }
  function largestRemainder(sizes, total) {
    var keys = Object.keys(sizes);
    var population = keys.reduce(function (a, k) { return a + sizes[k]; }, 0);
    var quotas = {};
    if (!population) { keys.forEach(function (k) { quotas[k] = 0; }); return quotas; }
    var T = BigInt(total), N = BigInt(population), used = 0;
    keys.forEach(function (k) { quotas[k] = Number((T * BigInt(sizes[k])) / N); used += quotas[k]; });
    var order = keys.slice().sort(function (a, b) {
      var ra = (T * BigInt(sizes[a])) % N, rb = (T * BigInt(sizes[b])) % N;
      if (ra !== rb) { return ra > rb ? -1 : 1; }
      return compareText(a, b);
    });
    order.slice(0, total - used).forEach(function (k) { quotas[k] += 1; });
    return quotas;
  }

  // --- the report -------------------------------------------------------------------------------
  function Report() { this.mismatches = []; this.checked = []; this.limits = []; }
  Report.prototype.add = function (code, detail, zh) { this.mismatches.push({ code: code, detail: detail, message_zh: zh }); };
  Object.defineProperty(Report.prototype, "ok", { get: function () { return this.mismatches.length === 0; } });

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  // --- steps (section 13) -------------------------------------------------------------------
  function checkFormat(bundle, report, options) {
    if (bundle.format !== FORMAT) { report.add("format", "format is " + JSON.stringify(bundle.format), "证据包格式版本不符"); }
    if (ALGORITHMS.indexOf(bundle.algorithm) < 0) { throw new Error("unknown algorithm " + JSON.stringify(bundle.algorithm)); }
    if (bundle.draw.kind !== "entities" || bundle.frame.kind !== "entities") {
      report.add("draw.kind", "only entity draws are verified here", "此处仅核验检查对象抽取");
    }
    if (bundle.draw.task_code !== bundle.frame.task_code) {
      report.add("draw.task_code", "draw task code differs from frame task code", "任务编号不一致");
    }
    if (options.taskCode && bundle.draw.task_code !== options.taskCode) {
      report.add("draw.task_code", "the bundle is for task " + bundle.draw.task_code + ", not " + options.taskCode, "证据包不属于本任务");
    }
  }

  function sourcesTriple(list) {
    return list.map(function (s) { return [s.kind, s.description, s.value_sha256_hex || null]; });
  }

  function checkAnnouncement(bundle, recorded, report) {
    if (!recorded) {
      report.limits.push("no recorded announcement given: a bundle whose hashes were all recomputed would pass");
      return;
    }
    var inside = bundle.announcement;
    ["commitment_hash_hex", "chain_length", "frame_hash_hex", "trial", "published_at"].forEach(function (name) {
      if (name === "published_at" && !(name in recorded)) { return; }
      if (!same(inside[name], recorded[name])) {
        report.add("announcement." + name, "bundle says " + JSON.stringify(inside[name]) + ", recorded announcement says " + JSON.stringify(recorded[name]),
          "证据包中的公告内容与事先记录的公告不一致（可能被篡改）");
      }
    });
    if (!same(sourcesTriple(inside.sources), sourcesTriple(recorded.sources))) {
      report.add("announcement.sources", "the bundle's announced sources differ from the recorded announcement", "随机源与事先公告的不一致");
    }
  }

  function checkCode(bundle, report) {
    var n = Number(bundle.announcement.chain_length), i = Number(bundle.draw.iteration);
    if (n < 32) { report.add("chain_length", "chain length " + n + " is below 32", "承诺链长度不足"); }
    var commitment = fromHex(bundle.announcement.commitment_hash_hex);
    var code = fromHex(bundle.one_time_code_hex);
    if (!(i >= 1 && i <= n)) {
      report.add("one_time_code", "iteration " + i + " is outside 1.." + n, "一次性码与承诺值不符");
      return Promise.resolve();
    }
    return sha256Times(code, i).then(function (out) {
      if (compareBytes(out, commitment) !== 0) {
        report.add("one_time_code", "hashing the one-time code " + i + " times does not give the commitment", "一次性码与承诺值不符");
      }
    });
  }

  function checkRandomness(bundle, report) {
    var sources = bundle.randomness.sources, announced = bundle.announcement.sources;
    var ikm = encodeIkm(sources.map(function (s) { return s.value; }));
    if (ikm !== bundle.randomness.ikm_utf8) {
      report.add("randomness.ikm", "ikm_utf8 is not the encoding of the source values", "随机数编码与随机源数值不符");
    }
    var outside = announced.some(function (s) { return OUTSIDE.indexOf(s.kind) >= 0; });
    if (!bundle.announcement.trial && !outside) {
      report.add("randomness.operator_only", "no announced source is outside the operator's control", "随机源均由操作方控制，且非试抽");
    }
    var kindsDiffer = !same(sources.map(function (s) { return s.kind; }), announced.map(function (s) { return s.kind; }));
    var descriptionsDiffer = sources.some(function (s, i) { return "description" in s && announced[i] && s.description !== announced[i].description; });
    if (kindsDiffer || descriptionsDiffer) {
      report.add("randomness.sources", "collected sources differ from the announced ones", "采集的随机源与公告不一致");
    }
    var checks = sources.map(function (source, i) {
      var promised = announced[i];
      if (!promised || !promised.value_sha256_hex) { return Promise.resolve(); }
      return sha256(utf8.encode(encodeSourceValue(source.value))).then(function (digest) {
        if (toHex(digest) !== promised.value_sha256_hex) {
          report.add("randomness.value_hash", "source " + JSON.stringify(promised.description) + " does not match the hash announced in advance",
            "随机源数值与事先公告的哈希不符");
        }
      });
    });
    return Promise.all(checks);
  }

  function checkFrame(bundle, recorded, report) {
    var frame = bundle.frame, strata = frame.strata;
    var summaries = strata.map(function (s) {
      if (s.labels === null || s.labels === undefined) {
        report.limits.push("stratum " + s.key + ": members withheld, only their hash is checked");
        return Promise.resolve(s.members_hash_hex);
      }
      return membersHash(s.labels).then(function (digest) {
        var computed = toHex(digest);
        if (s.members_hash_hex && s.members_hash_hex !== computed) {
          report.add("frame.members_hash", "stratum " + s.key + ": members hash differs", "分层名单哈希不符");
        }
        return computed;
      });
    });
    return Promise.all(summaries).then(function (hashes) {
      var rule = frame.quota_rule || {};
      var parts = ["ssj-frame/1", bundle.algorithm, "entities", frame.task_code, Number(frame.size),
        rule.method || "fixed", rule.total === null || rule.total === undefined ? "" : Number(rule.total), frame.exclusions.length];
      frame.exclusions.forEach(function (e) { parts.push(e.rule, Number(e.removed)); });
      parts.push(strata.length);
      strata.forEach(function (s, i) { parts.push(s.key, Number(s.size), Number(s.quota), hashes[i]); });
      return sha256(encodeParts(parts));
    }).then(function (digest) {
      var computed = toHex(digest);
      var claims = [["frame.hash_hex", frame.hash_hex], ["announcement.frame_hash_hex", bundle.announcement.frame_hash_hex]];
      if (recorded) { claims.push(["recorded.frame_hash_hex", recorded.frame_hash_hex]); }
      claims.forEach(function (claim) {
        if (claim[1] !== computed) {
          report.add("frame.hash", "recomputed frame hash " + computed + " differs from " + claim[0], "名录哈希重新计算后不符");
        }
      });
      return checkStrata(frame, report);
    });
  }

  function checkStrata(frame, report) {
    var strata = frame.strata;
    var total = strata.reduce(function (a, s) { return a + Number(s.size); }, 0);
    if (total !== Number(frame.size)) { report.add("frame.size", "frame size is not the sum of stratum sizes", "名录总数与各层之和不符"); }
    if (!strictlyAscending(strata.map(function (s) { return s.key; }))) {
      report.add("frame.strata_order", "strata are not in ascending key order", "分层顺序不规范");
    }
    var seen = {};
    var opaque = [];
    strata.forEach(function (s) {
      if (Number(s.quota) > Number(s.size) || Number(s.quota) < 0) {
        report.add("frame.quota", "stratum " + s.key + ": quota outside 0..size", "抽取数量超出分层数量");
      }
      if (s.private_key !== null && s.private_key !== undefined && frame.opaque_salt_hex) {
        opaque.push(opaqueKey(fromHex(frame.opaque_salt_hex), frame.task_code, s.private_key).then(function (expected) {
          if (expected !== s.key) { report.add("frame.opaque_key", "stratum " + s.key + ": opaque key does not match", "分层代号与内部分层不符"); }
        }));
      }
      if (!s.labels) { return; }
      if (s.labels.length !== Number(s.size)) {
        report.add("frame.stratum_size", "stratum " + s.key + ": " + s.labels.length + " labels but size " + s.size, "分层名单数量与声明不符");
      }
      if (!s.labels.every(function (l) { return USCC.test(l); }) || !strictlyAscending(s.labels)) {
        report.add("frame.labels", "stratum " + s.key + ": labels not canonical, unique and ascending", "名单标识不规范或有重复");
      }
      var shared = s.labels.filter(function (l) { return seen[l]; });
      if (shared.length) { report.add("frame.shared_label", "labels in two strata: " + shared.slice(0, 3).join(", "), "同一主体出现在多个分层"); }
      s.labels.forEach(function (l) { seen[l] = true; });
    });
    checkQuotas(frame, report);
    return Promise.all(opaque);
  }

  function checkQuotas(frame, report) {
    var rule = frame.quota_rule || {}, method = rule.method || "fixed", strata = frame.strata;
    if (method === "ratio_ceil") {
      strata.forEach(function (s) {
        if (s.ratio === null || s.ratio === undefined) {
          report.limits.push("stratum " + s.key + ": ratio withheld, quota rule not checked");
          return;
        }
        var r = parseRatio(s.ratio), expected = quotaCeil(Number(s.size), r[0], r[1]);
        if (expected !== Number(s.quota)) {
          report.add("frame.quota_rule", "stratum " + s.key + ": quota " + s.quota + ", but ceil(" + s.size + " x " + s.ratio + ") = " + expected,
            "抽取数量与规定比例（向上取整）不符");
        }
      });
    } else if (method === "largest_remainder") {
      var withheld = strata.some(function (s) { return (s.private_key === null || s.private_key === undefined) && s.key.indexOf("x-") === 0; });
      if (withheld) {
        report.limits.push("largest remainder: tie-break keys withheld, only the total is checked");
        var sum = strata.reduce(function (a, s) { return a + Number(s.quota); }, 0);
        if (sum !== Number(rule.total)) { report.add("frame.quota_rule", "quotas do not add up to the total", "各层数量之和与总数不符"); }
        return;
      }
      var sizes = {};
      strata.forEach(function (s) { sizes[s.private_key || s.key] = Number(s.size); });
      var expected = largestRemainder(sizes, Number(rule.total));
      strata.forEach(function (s) {
        if (expected[s.private_key || s.key] !== Number(s.quota)) {
          report.add("frame.quota_rule", "stratum " + s.key + ": quota " + s.quota + " is not its largest-remainder share", "抽取数量与最大余额法分配结果不符");
        }
      });
    } else if (method !== "fixed") {
      report.add("frame.quota_rule", "unknown quota method " + JSON.stringify(method), "未知的数量规则");
    }
  }

  function rowKey(row) { return row.stratum + ":" + row.label + ":" + row.order_hex; }

  function compareRows(name, expected, claimed, report) {
    if (same(expected.map(rowKey), claimed.map(rowKey))) { return; }
    var e = {}, c = {};
    expected.forEach(function (r) { e[rowKey(r)] = true; });
    claimed.forEach(function (r) { c[rowKey(r)] = true; });
    var missing = Object.keys(e).filter(function (k) { return !c[k]; }).slice(0, 5);
    var extra = Object.keys(c).filter(function (k) { return !e[k]; }).slice(0, 5);
    var detail = name + ": re-derivation differs (" + expected.length + " rows derived, " + claimed.length + " in bundle)";
    if (missing.length) { detail += "; derived but absent: " + missing.join(", "); }
    if (extra.length) { detail += "; in bundle but not derived: " + extra.join(", "); }
    report.add("selected.rederive", detail, "按公开算法重新抽取的结果与证据包不一致");
  }

  function lowest(labels, values, quota) {
    var pairs = labels.map(function (l, i) { return [values[i], l]; });
    pairs.sort(function (a, b) { return compareBytes(a[0], b[0]) || compareText(a[1], b[1]); });
    return pairs.slice(0, quota);
  }

  function checkSelection(bundle, report, progress) {
    var frame = bundle.frame, algorithm = bundle.algorithm;
    var ikm = encodeIkm(bundle.randomness.sources.map(function (s) { return s.value; }));
    var claimed = {};
    var known = {};
    frame.strata.forEach(function (s) { known[s.key] = true; });
    bundle.selected.forEach(function (row) {
      (claimed[row.stratum] = claimed[row.stratum] || []).push(row);
      if (!known[row.stratum]) { report.add("selected.stratum", row.label + ": stratum " + row.stratum + " is not in the frame", "入选主体的分层不在名录中"); }
    });
    var totalLabels = frame.strata.reduce(function (a, s) { return a + (s.labels ? s.labels.length : 0); }, 0);
    var done = 0;
    return deriveEntitiesKey(fromHex(bundle.one_time_code_hex), ikm).then(function (key) {
      var derived = [];
      var steps = frame.strata.map(function (s) {
        return function () {
          var rows = claimed[s.key] || [];
          if (s.labels) {
            return orderValues(algorithm, key, s.labels, function (n) { if (progress) { progress(done + n, totalLabels); } })
              .then(function (values) {
                done += s.labels.length;
                var picked = lowest(s.labels, values, Number(s.quota)).map(function (p) {
                  return { label: p[1], stratum: s.key, order_hex: toHex(p[0]) };
                });
                derived = derived.concat(picked);
                compareRows("selected[" + s.key + "]", picked, rows, report);
              });
          }
          report.limits.push("stratum " + s.key + ": membership withheld, lowest-order check not possible");
          if (rows.length !== Number(s.quota)) {
            report.add("selected.count", "stratum " + s.key + ": " + rows.length + " selected, quota " + s.quota, "入选数量与抽取数量不符");
          }
          var values = rows.map(function (r) { return r.order_hex; });
          if (!same(values, values.slice().sort())) {
            report.add("selected.order", "stratum " + s.key + ": not in ascending order value", "入选主体未按排序值升序排列");
          }
          return orderValues(algorithm, key, rows.map(function (r) { return r.label; })).then(function (computed) {
            rows.forEach(function (r, i) {
              if (toHex(computed[i]) !== r.order_hex) {
                report.add("selected.order", r.label + ": order value does not recompute", "入选主体的排序值无法复算");
              }
            });
            derived = derived.concat(rows);
          });
        };
      });
      return steps.reduce(function (p, step) { return p.then(step); }, Promise.resolve()).then(function () {
        if (!same(derived.map(rowKey), bundle.selected.map(rowKey))) {
          report.add("selected.order", "the selection is not listed stratum by stratum in frame order", "入选名单的排列顺序不符");
        }
      });
    });
  }

  function checkPublished(bundle, published, report) {
    if (!published) { return; }
    if (published.selected && !same(published.selected.map(rowKey), bundle.selected.map(rowKey))) {
      report.add("published.selected", "the bundle's selection differs from the selection published on this page", "证据包中的入选名单与公示的抽取结果不一致");
    }
    if (published.one_time_code_hex && published.one_time_code_hex !== bundle.one_time_code_hex) {
      report.add("published.one_time_code", "the bundle's one-time code differs from the published one", "证据包中的一次性码与公示的不一致");
    }
  }

  function verifyBundle(bundle, recorded, options) {
    options = options || {};
    var report = new Report();
    var steps = [
      ["format", function () { checkFormat(bundle, report, options); }],
      ["announcement", function () { checkAnnouncement(bundle, recorded, report); }],
      ["one_time_code", function () { return checkCode(bundle, report); }],
      ["randomness", function () { return checkRandomness(bundle, report); }],
      ["frame", function () { return checkFrame(bundle, recorded, report); }],
      ["selection", function () { return checkSelection(bundle, report, options.onProgress); }],
      ["published", function () { checkPublished(bundle, options.published, report); }]
    ];
    var stopped = false;
    return steps.reduce(function (chain, step) {
      return chain.then(function () {
        if (stopped) { return; }
        return Promise.resolve().then(step[1]).then(function () { report.checked.push(step[0]); }, function (error) {
          if (error && /WebCrypto/.test(String(error.message))) { throw error; }
          report.add(step[0] + ".malformed", "cannot read the bundle: " + (error && error.message ? error.message : error), "证据包格式错误，无法核验");
          if (step[0] === "format") { stopped = true; }
        });
      });
    }, Promise.resolve()).then(function () { return report; });
  }

  root.SsjVerify = {
    verifyBundle: verifyBundle,
    encodeParts: function (parts) { return toHex(encodeParts(parts)); },
    encodeIkm: encodeIkm,
    usccBlock: function (label) { return toHex(usccBlock(label)); },
    membersHash: function (labels) { return membersHash(labels).then(toHex); },
    orderValue: function (algorithm, keyHex, label) {
      return orderValues(algorithm, fromHex(keyHex), [label]).then(function (v) { return toHex(v[0]); });
    }
  };
})(typeof window !== "undefined" ? window : globalThis);
