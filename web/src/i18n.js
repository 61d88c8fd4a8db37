// Simplified Chinese and English. The language follows navigator.language (zh* gives Chinese)
// until the person picks one with the switch; the choice is a UI preference, nothing about a
// visit, and is kept in localStorage.
const STRINGS = {
  en: {
    title: "Venuecode",
    loading: "Loading…",
    navHome: "Check in",
    navDiary: "Diary",
    navAlerts: "Alerts",
    navShare: "Share",
    langSwitch: "中文",
    langLabel: "切换到中文",
    verified: "Genuine venue code",
    refused: "This code is not valid",
    toneOk: "Success: genuine venue code. ",
    toneBad: "Failure: this code was refused. ",
    checkIn: "Check in",
    checkedIn: "Checked in",
    alreadyIn: "You are already checked in here",
    checkOut: "Check out",
    checkedOut: "Checked out",
    stay: "Planned stay",
    minutes: (n) => (n % 60 === 0 ? `${n / 60} h` : `${n} min`),
    autoCheckout: (t) => `Checked out automatically at ${t} unless you check out earlier.`,
    since: (t) => `Here since ${t}`,
    noCode: "Scan the code on a venue's poster with your camera, or here:",
    scan: "Scan a venue code",
    stopScan: "Stop the camera",
    cameraHint: "Point the camera at the venue's code.",
    cameraRefused: "The camera is not available. Open the code with your phone's camera instead.",
    current: "You are checked in at",
    diary: "Your check-ins (kept only on this phone, encrypted)",
    diaryEmpty: "No check-ins yet.",
    showHidden: "Show hidden entries",
    hide: "Hide",
    unhide: "Show",
    edit: "Edit times",
    del: "Delete",
    confirmDelete: "Delete this check-in for good?",
    save: "Save",
    cancel: "Cancel",
    arrival: "Arrival",
    departure: "Departure",
    open: "now",
    hidden: "hidden",
    shared: "shared",
    sync: "Check for exposures",
    syncing: "Checking…",
    syncProgress: (done, total) => `Batch ${done} of ${total}`,
    syncOk: "No exposure found in the published batches.",
    syncWithheld: "The server withheld batches: you cannot be told “no exposure” now. Try again later.",
    syncStale: "The published list is out of date: you cannot be told “no exposure” now.",
    syncFailed: "The check failed: ",
    offline: "You are offline. Check-in still works; checking for exposures needs a connection.",
    alerts: "Exposure alerts",
    noAlerts: "No alerts.",
    alertAt: (venue, from, min) => `You were at ${venue} from ${from} for ${min} minutes at the same time as a confirmed case.`,
    risk: (n, high) => `Risk level ${n}${high ? " (high)" : ""}`,
    dismiss: "Dismiss",
    newAlerts: (n) => `${n} new exposure alert${n === 1 ? "" : "s"}`,
    shareIntro: "If you tested positive, the health authority gives you a TAN. Share the check-ins of your infectious period with it; nothing is sent without your consent.",
    shareFrom: "From",
    shareUntil: "Until",
    preview: "Preview what will be sent",
    willSend: "These check-ins will be sent, sealed to the health authority:",
    notSent: "Hidden (not sent):",
    nothingToSend: "No check-ins in that period.",
    exclude: "Leave out",
    consent: "I agree to send these check-ins to the health authority.",
    tan: "TAN",
    send: "Send",
    sent: (n) => `Sent: ${n} check-in${n === 1 ? "" : "s"} shared. Thank you.`,
    retry: "Send again",
  },
  zh: {
    title: "场所码",
    loading: "正在加载…",
    navHome: "登记",
    navDiary: "行程",
    navAlerts: "提醒",
    navShare: "上报",
    langSwitch: "English",
    langLabel: "Switch to English",
    verified: "场所码真实有效",
    refused: "此场所码无效",
    toneOk: "成功：场所码真实有效。",
    toneBad: "失败：此场所码被拒绝。",
    checkIn: "登记进入",
    checkedIn: "已登记",
    alreadyIn: "您已在此场所登记",
    checkOut: "离开",
    checkedOut: "已离开",
    stay: "预计停留",
    minutes: (n) => (n % 60 === 0 ? `${n / 60} 小时` : `${n} 分钟`),
    autoCheckout: (t) => `如未提前离开，将于 ${t} 自动离开。`,
    since: (t) => `自 ${t} 起在此`,
    noCode: "请用手机相机扫描场所海报上的码，或在此扫描：",
    scan: "扫描场所码",
    stopScan: "关闭相机",
    cameraHint: "请将相机对准场所码。",
    cameraRefused: "相机不可用。请改用手机相机打开场所码。",
    current: "您当前登记在",
    diary: "您的登记记录（仅加密保存在本机）",
    diaryEmpty: "暂无登记记录。",
    showHidden: "显示已隐藏的记录",
    hide: "隐藏",
    unhide: "显示",
    edit: "修改时间",
    del: "删除",
    confirmDelete: "永久删除这条登记记录？",
    save: "保存",
    cancel: "取消",
    arrival: "到达",
    departure: "离开",
    open: "至今",
    hidden: "已隐藏",
    shared: "已上报",
    sync: "检查是否接触",
    syncing: "正在检查…",
    syncProgress: (done, total) => `第 ${done} / ${total} 批`,
    syncOk: "在已发布的批次中未发现接触。",
    syncWithheld: "服务器扣留了部分批次：目前无法确认“未接触”。请稍后再试。",
    syncStale: "发布的列表已过期：目前无法确认“未接触”。",
    syncFailed: "检查失败：",
    offline: "您处于离线状态。仍可登记；检查接触需要联网。",
    alerts: "接触提醒",
    noAlerts: "暂无提醒。",
    alertAt: (venue, from, min) => `您于 ${from} 在 ${venue} 停留 ${min} 分钟，与一名确诊者同时在场。`,
    risk: (n, high) => `风险等级 ${n}${high ? "（高）" : ""}`,
    dismiss: "知道了",
    newAlerts: (n) => `${n} 条新的接触提醒`,
    shareIntro: "如您检测呈阳性，卫生部门会给您一个 TAN。用它上报传染期内的登记记录；未经您同意不会发送任何内容。",
    shareFrom: "开始",
    shareUntil: "结束",
    preview: "预览将发送的内容",
    willSend: "以下登记记录将加密发送给卫生部门：",
    notSent: "已隐藏（不发送）：",
    nothingToSend: "该时段内没有登记记录。",
    exclude: "不发送",
    consent: "我同意将这些登记记录发送给卫生部门。",
    tan: "TAN",
    send: "发送",
    sent: (n) => `已发送：上报 ${n} 条登记记录。谢谢。`,
    retry: "重新发送",
  },
};

// Messages of the library's error codes (crates/cli/ERRORS.md); others show its English text.
const ERRORS = {
  en: {
    forged_certificate: "The code's certificate was not issued by the registration authority.",
    expired: "This code has expired.",
    not_yet_valid: "This code is not valid yet.",
    stale_code: "This screen code is out of date: scan the code on the screen again (or check your phone's clock).",
    revoked: "This venue's code was withdrawn.",
    superseded: "This poster is out of date: the venue has a new code.",
    tan_typo: "This TAN has a typo: check it and type it again.",
    tan_used: "This TAN was already used.",
    tan_expired: "This TAN has expired: ask the health authority for a new one.",
    tan_unknown: "The server does not know this TAN: check it for a typo.",
    edit_out_of_bounds: "Those times are not allowed for this check-in.",
    network: "No connection to the server.",
  },
  zh: {
    forged_certificate: "此码的证书不是登记机构签发的。",
    expired: "此码已过期。",
    not_yet_valid: "此码尚未生效。",
    stale_code: "此屏幕码已过时：请重新扫描屏幕上的码（或检查手机时间）。",
    revoked: "此场所码已被撤销。",
    superseded: "此海报已过时：场所已有新码。",
    tan_typo: "TAN 有输入错误：请检查后重新输入。",
    tan_used: "此 TAN 已被使用。",
    tan_expired: "此 TAN 已过期：请向卫生部门索取新的。",
    tan_unknown: "服务器不认识此 TAN：请检查是否输错。",
    edit_out_of_bounds: "此登记记录不允许这些时间。",
    network: "无法连接服务器。",
  },
};

let lang = pick();

function pick() {
  try {
    const saved = localStorage.getItem("venuecode.lang");
    if (saved === "en" || saved === "zh") return saved;
  } catch {
    // Storage disabled: follow the browser.
  }
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** The current language: "en" or "zh". */
export function language() {
  return lang;
}

/** Switches the language and remembers the choice. */
export function toggleLanguage() {
  lang = lang === "en" ? "zh" : "en";
  try {
    localStorage.setItem("venuecode.lang", lang);
  } catch {
    // Not remembered; still switched for this page.
  }
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  return lang;
}

/** The string `key`, called with `args` when it is a function. */
export function t(key, ...args) {
  const s = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return typeof s === "function" ? s(...args) : s;
}

/** A person's message for an error thrown by the library (by its `code`) or the network. */
export function errorText(e) {
  const code = e && typeof e === "object" ? e.code : undefined;
  const known = code && (ERRORS[lang][code] ?? null);
  if (known) return known;
  if (e instanceof TypeError) return ERRORS[lang].network;
  return (e && e.message) || String(e);
}

/** A time of Unix minutes as local date and time. */
export function when(minutes) {
  const d = new Date(minutes * 60000);
  return d.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
