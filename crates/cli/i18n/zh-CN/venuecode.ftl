# Venuecode 命令行消息，简体中文。每条消息在 en/venuecode.ftl 中都有同名、同变量的对应消息（由测试检查）。

## 命令行的错误

label-error = 错误
error-other = { $detail }
error-file = { $detail }
error-render = 无法生成海报：{ $detail }
error-font-not-found = { $detail }
error-font-unusable = { $detail }
error-bad-lang = 未知语言“{ $lang }”：请使用 en 或 zh-CN。
error-bad-time = { $flag }：{ $detail }
error-no-venue = { $dir } 中没有已登记的场所：请先运行 `venuecode venue register`。
error-pledge-required = 需要承诺所填信息真实：请加上 --pledge。
error-not-checked-in = 您目前没有在任何场所登记。
error-auto-checked-out = 您目前没有在任何场所登记：自动离开已于 { $time } 结束您在{ $venue }的停留。如果您是在其他时间离开的，请用 `venuecode visitor edit { $id } --arrival TIME --departure TIME` 更正。
error-scan-input = 请给出扫描到的文本，或用 --image 指定照片。
error-no-qr-in-photo = 在 { $path } 中没有找到二维码：请靠近一些、对准焦点后重新拍照。
error-cannot-read = 无法读取 { $path }：{ $detail }
error-share-not-confirmed = 没有发送任何内容：未确认分享。
error-share-needs-terminal = 没有发送任何内容：请在终端上确认分享，或加上 --yes 发送上面列出的 { $count } 条登记记录。
error-nothing-to-share = 该时间段内没有可分享的记录。
error-nothing-to-share-hidden = 该时间段内没有可分享的记录：有 { $count } 条隐藏记录未包括在内；如需发送，请用 --include-hidden 指定。
error-share-ids = --exclude 和 --include-hidden 需要该时间段内记录的编号（见 `visitor diary --all`）
error-sync-incomplete = 同步未完成：{ $detail }
error-bad-region = 地区 { $region } 不是六位行政区划代码（例如 620105）。
error-nothing-to-update = 没有需要更新的内容：请至少给出一项不同的信息，或使用 --renew（见 --help）。
error-revoke-needs-yes = 停用会使本场所的所有海报失效；请加上 --yes 确认。
error-venue-deactivated = 本场所已停用其场所码（序号 { $serial }）：手机会拒绝它，因此不再生成新码。如需重新为访客登记，请在新的目录中重新注册。
error-venue-disabled = 登记机构已禁用本场所（序号 { $serial }）：手机会拒绝它的场所码，因此不再生成新码。请联系登记机构。
error-venue-superseded = 序号 { $serial } 已被更新的证书取代：请先恢复或更新本场所目录（`venuecode venue restore`），再生成场所码。
error-venue-revoked = 序号 { $serial } 在撤销列表上：不再生成新码。
error-counts-disabled = 服务器不统计登记人数（启动服务器时加上 --counts 可开启统计）。
error-counts-days = --days 必须在 1 到 { $max } 之间（人数只保存一个保留期）。
error-stay-range = --stay 必须在 { $min } 到 { $max } 分钟之间，而不是 { $stay }。
error-text-invisible = { $flag } 含有不可见字符、双向控制字符或其他控制字符（零宽空格或连接符、字节顺序标记、方向标记或覆盖、行分隔符等）：请重新输入。
error-text-blank = { $flag } 必须是非空文本，首尾不能有空格，也不能含控制字符。
error-text-too-long = { $flag } 有 { $bytes } 字节（UTF-8）；最多 { $max } 字节（约 { $chars } 个汉字）：请缩短。
error-key-exists = { $path } 已存在；拒绝覆盖密钥（请先把它移走）
error-no-trust = { $root } 中没有安装信任包：此目录尚不信任任何机构密钥。请用 `venuecode --home { $root } trust install 文件` 安装卫生部门发布的信任包（`authority init` 会写出 authority/trust-bundle.bin），或加上 --trust-bundle 文件（VENUECODE_TRUST_BUNDLE）。密钥从不从服务器获取。
error-registration-pending = 登记申请 { $id } 正在等待登记机构审核：批准后请运行 `venuecode venue collect` 获取证书
error-no-registration-pending = { $dir } 中没有等待审核的登记申请：请运行 `venuecode venue register`
error-sheet-missing-line = 恢复单缺少 `{ $label }:` 一行：请抄录完整的恢复单
error-sheet-bad-hex = 恢复单中的 `{ $label }` 不是 64 位十六进制数字：请检查是否有输入错误
error-sheet-bad-serial = 恢复单中的 `{ $label }` 不是数字：请检查是否有输入错误
error-sheet-wrong-key = 服务器上序号 { $serial } 的证书不属于恢复单上的场所密钥：请检查序号和密钥是否有输入错误
error-insecure-http = { $detail }（--insecure-http）

## 客户端库的错误

client-malformed-code = 这不是有效的场所码（{ $detail }）：请重新扫描场所的海报或屏幕。
client-unknown-authority = 此场所码由本应用不信任的机构签发：请不要用它登记，并告知场所。
client-forged-certificate = 此场所的证书是伪造的：请不要用它登记，并告知场所或有关机构。
client-bad-venue-signature = 此场所码的签名无效（伪造的码或被替换的种子）：请不要用它登记，并告知场所。
client-not-yet-valid = 此场所码尚未生效：请检查本设备的日期和时间是否设为自动。
client-expired = 此场所码已过期：请向场所索取当前的场所码。
client-stale-code = 此动态码已过期：请重新扫描屏幕（如果屏幕上的码是新的，说明本手机时钟有误：请把日期和时间设为自动）。
client-invalid-code-validity = 此动态码的签名时间与本手机时钟不符：请检查日期和时间是否设为自动，然后重新扫描。
client-revoked = 此场所码已被停用：请不要用它登记；请向场所索取当前的场所码。
client-superseded = 场所更新信息后已更换这张海报：请扫描它当前的海报。
client-wrong-key = 日记密钥无法打开这本日记：请使用创建它的目录。
client-corrupt = 日记已损坏或被篡改：请从备份恢复。
client-storage = 无法读写日记（{ $detail }）：请检查磁盘后重试。
client-unsupported-diary-layout = 日记文件使用本版本不再读取的旧格式：请新建日记。
client-entry-not-found = 没有这个编号的日记记录：见 `venuecode visitor diary --all`。
client-exposure-not-found = 没有这个编号的暴露提醒：见 `venuecode visitor exposures --all`。
client-not-checked-in = 这条记录不是进行中的登记（已经离开）。
client-edit-out-of-bounds = 修改超出范围（{ $detail }）：请给出允许范围内的时间。
client-guest-not-found = 访客登记簿中没有编号为 { $id } 的访客：见 `venuecode venue guestbook list`。
client-guest-checked-out = 访客 { $id } 已经离开；要更正离开时间，请用 `venuecode venue guestbook edit { $id } --departure … --name … --phone …`。
client-guest-identity-not-kept = 访客 { $id } 已离开，本设备不再保存其姓名和电话：请同时重新给出姓名和电话。
client-invalid-server-url = 无法使用该服务器地址（{ $detail }）：请写成 https://主机[:端口]。
client-insecure-server-url = 拒绝以明文 HTTP 连接 { $detail }：它不是本机，连接将既不加密也不认证；请使用 https://，或仅在演练时明确允许不安全的 HTTP。
client-trusted-ca = 无法使用受信任的 CA 证书（{ $detail }）：请检查 --ca-file 指定的 PEM 文件。
client-network = 无法连接服务器 { $detail }：请检查服务器地址（--server）和网络，然后重试。
client-bad-response = 服务器的应答不符合接口约定（{ $detail }）：请检查 --server 是否为本版本的 Venuecode 服务器。
client-tan-used = 此 TAN 已被使用：请向卫生部门索取新的 TAN。
client-tan-expired = 此 TAN 已过期：请向卫生部门索取新的 TAN。
client-tan-unknown = 服务器不认识此 TAN：请检查是否输错，或者它可能已被取消（它没有被使用，也没有存储任何内容）。
client-tan-typo = 此 TAN 有输入错误：请与卫生部门给您的 TAN 核对（16 个字符，如 7K2M-9XR4-TPLW-3NBQ）。
client-server-error = 服务器拒绝了请求（{ $status } { $code }{ $message }）：{ $hint }。
client-server-error-bare = 服务器返回 { $status }，但没有错误代码：请检查 --server 是否为 Venuecode 服务器，或稍后重试。
client-certificate-refused = 拒绝服务器签发的证书（{ $detail }）：没有做任何更改；请告知登记机构。
client-no-pending-upload = 没有等待发送的上传。
client-nothing-selected = 没有选择要分享的记录。
client-protocol = 协议检查失败（{ $detail }）。
client-invalid-argument = 参数无效（{ $detail }）。

## 卫生部门库的错误

authority-file = 无法读写状态文件（{ $detail }）：请检查路径和权限。
authority-corrupt-state = 状态文件的内容不是本机构写入的（{ $detail }）：请从备份恢复。
authority-bad-answer = 服务器的应答格式不符合文档（{ $detail }）。
authority-protocol = 签名、封装或编码失败（{ $detail }）。
authority-unknown-purpose = { $detail }：请更新本程序。
authority-upload-undecodable = 一份上传无法解码：{ $detail }。
authority-upload-unopenable = 一份上传无法打开：{ $detail }：请检查这是否为卫生部门的目录。
authority-seed-release-invalid = 一份种子公开无效：{ $detail }。
authority-tan-unknown = 一份上传未经授权：{ $detail }。
authority-tan-not-for-case = 一份上传未经授权：{ $detail }。
authority-tan-replayed = 一份上传被重放：{ $detail }。
authority-tan-used = 一份上传的 TAN 已被使用：{ $detail }。
authority-code-invalid = 一条分享的登记无效：{ $detail }。
authority-claim-invalid = 一条分享的登记无效：{ $detail }。
authority-empty-window = { $detail }：请选择更长的时间段。
authority-no-check-in-at-venue = { $detail }：请从病例上传中选择场所。
authority-chain-mismatch = { $detail }：请获取服务器上的链后重新发布。
authority-batch-kept-pending = 发布批次失败；它保存在 { $path }，下次发布时会重新发送：{ $detail }
authority-nothing-to-publish = 没有可发布的内容：{ $detail }。
authority-nothing-new = 没有新的内容可发布：{ $detail }。
authority-all-windows-refused = 所有时间段都被拒绝，没有发布：{ $detail }。
authority-tan-cancelled = 一份上传的 TAN 已被撤销：{ $detail }。
authority-tan-id-unknown = 找不到该 TAN：{ $detail }。
authority-tan-id-ambiguous = TAN 编号不唯一：{ $detail }。
authority-tan-already-cancelled = 该 TAN 已撤销，无需再操作：{ $detail }。
authority-tan-already-used = 该 TAN 已被使用，不能撤销：{ $detail }。
authority-date-range = 日期范围有误，--from 须不晚于 --until：{ $detail }。
authority-region-not-a-filter = 地区筛选无效：{ $detail }。
authority-region-not-in-table = GB/T 2260 表中没有该地区代码，请给出省级或地级代码：{ $detail }。
authority-unknown-category = 未知的场所类别：{ $detail }。
authority-uploads-missing = 没有这些上传，请用 `venuecode authority uploads list` 查看：{ $detail }。

## 服务器错误代码的提示（API.md）

server-malformed = 请按消息所说修改请求；原样重发会以同样方式失败
server-signature-missing = 请用该接口所需的密钥签名请求
server-signature-invalid = 请用该接口接受的密钥（场所、卫生部门或登记机构管理员密钥）对准确的方法、路径和内容签名
server-timestamp-out-of-window = 请把本机时钟设为自动，然后重新签名请求
server-replayed = 每个请求都要重新签名，使用新的随机数
server-pledge-missing = 负责人必须承诺场所信息真实
server-venue-disabled = 请联系登记机构；此场所密钥不能再使用
server-registration-refused = 重新登记前请先联系登记机构
server-tan-unknown = 请检查 TAN 是否输错，或向卫生部门索取新的 TAN
server-not-found = 请检查编号或路径；该项目可能已过期
server-counts-disabled = 此服务器不统计访问人数；请不要向它发送人数
server-method-not-allowed = 请使用 API.md 为该接口给出的方法
server-timeout = 请在更好的网络下重试；写入可能已经生效（重试的上传会返回 tan_used）
server-duplicate = 无需操作：此批次之前已发布
server-chain-mismatch = 请按序号顺序发布批次，每个都链接到已存储的链头
server-stale-checkpoint = 请发布比已存储的更新的检查点
server-tan-used = 如果这次上传不是您做的，请向卫生部门索取新的 TAN
server-tan-cancelled = 请向卫生部门索取新的 TAN；这个已被撤销
server-revoked = 请用新密钥重新登记场所以获得新证书
server-venue-key-registered = 请通过更新修改场所信息，或用新密钥登记
server-duplicate-venue = 该场所已经登记；请更新那份登记
server-already-reviewed = 无需操作：该登记已经审核过
server-tan-expired = 请向卫生部门索取新的 TAN
server-too-large = 请发送更小的内容，不超过 API.md 中该接口的限制
server-rate-limited = 请等待 Retry-After 头给出的秒数后重试
server-overloaded = 请稍后再试
server-internal = 请稍后再试；如果问题持续，请告知服务器的运营者

## 通用

warning-insecure-http = 警告：--insecure-http：允许以明文 HTTP 连接服务器；网络上的任何人都能读取和篡改请求、应答和 TAN。仅限演练使用。

## 访客

visitor-scan-refused = ✗ { $detail }
visitor-preview = { $venue } — { $address }（{ $category }，{ $kind } 码）
visitor-checked-in = ✓ { $venue } — { $address }
    登记于 { $arrival }；将于 { $departure } 自动离开（{ $reminder } 提醒）
visitor-already-checked-in = （已在此处登记，未新增记录）
visitor-checked-out-of-entry = 已离开记录 { $id }
visitor-checked-out = 已于 { $time } 离开{ $venue }
visitor-diary-head = { $count } 条登记记录：
visitor-hidden-mark = （已隐藏）
visitor-no-exposure-listed = 没有暴露提醒
visitor-dismiss-hint = 处理完一条提醒后，用 `venuecode visitor dismiss 编号` 将其关闭
visitor-dismissed = 已关闭在{ $venue }的暴露提醒 { $id }；`visitor exposures --all` 仍会显示它
visitor-deleted = 已删除记录 { $id }
visitor-entry-shown = 已显示记录 { $id }
visitor-entry-hidden = 已隐藏记录 { $id }
visitor-sync-progress = 已检查第 { $batch } 批，共 { $latest } 批
visitor-shared = 已与卫生部门分享 { $count } 条登记记录，已用其密钥加密
visitor-share-preview-done = 未发送任何内容（--preview）
visitor-share-will-send = 将向卫生部门发送 { $count } 条登记记录：
visitor-share-left-hidden = 未包括的隐藏记录（{ $count } 条；用 --include-hidden 编号 发送）：
visitor-share-left-excluded = 未包括的排除记录（{ $count } 条）：
visitor-share-confirm = 将这 { $count } 条登记记录发送给卫生部门吗？请输入 yes：
visitor-confirm-word = yes

## 暴露提醒与同步

exposure-high-head = ⚠ 高风险暴露
exposure-high-advice = 请尽快检测并居家；请遵从卫生部门的指示。
exposure-low-head = 低风险暴露
exposure-low-advice = 请留意症状，如出现症状请及时检测。
exposure-line = { $head }（提醒 { $id }）于{ $venue }：自 { $start } 起重叠 { $minutes } 分钟。
exposure-dismissed = （已关闭）
sync-complete = 暴露列表已完整，截至第 { $cursor } 批
sync-withheld-one = 第 { $from } 批
sync-withheld-range = 第 { $from }–{ $to } 批
sync-withheld = 警告：服务器扣留了{ $range }；其中的暴露无法检查（列表仅完整到第 { $cursor } 批）。请稍后或换一个网络再同步。
sync-last-checkpoint = 最新检查点时间为 { $time }
sync-no-checkpoint = 卫生部门尚未发布检查点
sync-stale = 列表可能已过时（{ $when }）：可能有本设备未看到的新批次；已读到第 { $cursor } 批
sync-synced = 已同步 { $count } 个新批次；{ $chain }
sync-part-trust-bundle = 信任包
sync-part-revocations = 撤销列表
sync-part-checkpoint = 检查点
sync-part-batches = 批次
sync-part-pings = 人数统计信号
sync-refused = 警告：{ $part }被拒绝：{ $detail }
sync-refused-bundle-kept = ；已安装的密钥保持不变
sync-refused-revocations-kept = ；之前的撤销列表继续有效
sync-failed = 警告：{ $part }获取失败：{ $detail }
sync-bundle-updated = 信任包已更新（由已持有的登记机构密钥签名的轮换）
sync-pings-sent = 已发送 { $count } 个人数统计信号
sync-no-exposure = 没有暴露
sync-no-new-exposure = 没有新的暴露
sync-earlier-listed = 仍有 { $count } 条之前的暴露提醒：`venuecode visitor exposures`；处理后用 `venuecode visitor dismiss 编号` 关闭

## 场所

venue-pending = 登记机构会审核新场所：登记申请 { $id } 正在等待批准。
    下一步：批准后用 `venuecode venue collect` 获取证书。
venue-registered = 已登记{ $name }，序号 { $serial }；证书有效期至 { $until }。
    下一步：`venuecode venue poster` 和 `venuecode venue recovery-sheet`。
venue-still-waiting = 登记申请 { $id } 仍在等待登记机构审核
venue-refused = 登记机构拒绝了登记申请 { $id }；为其保留的密钥已删除，可以重新运行 `venuecode venue register`
venue-approved = 已批准：{ $name } 的序号为 { $serial }；证书有效期至 { $until }。
    下一步：`venuecode venue poster` 和 `venuecode venue recovery-sheet`。
venue-profile-updated = 已更新海报信息（英文行、场所码基础网址、语言）；证书不变。
    下一步：用 `venuecode venue poster` 打印新海报。
venue-updated = 已更新{ $name }：新证书序号 { $serial } 取代序号 { $old }，有效期至 { $until }。
    手机在下次同步后会拒绝旧海报，并引导访客使用当前海报。
    下一步：`venuecode venue poster`，并更换所有已打印的海报
    （正在运行的 `venuecode venue display` 会自动切换到新证书）。
venue-poster-written = 已写入 { $pdf }、{ $svg } 和 { $png }。请用 A4 或更大的纸打印，每个入口张贴一张。
venue-sheet-written = 已将恢复单写入 { $path }（权限 0600）
venue-restored-other-name = 注意：场所现在登记的名称是{ $name }（恢复单上是{ $sheet }）
venue-restored = 已在 { $home } 恢复{ $name }（序号 { $serial }；证书有效期至 { $until }）。
    下一步：`venuecode venue poster` 或 `venuecode venue display` 可以重新使用；放回 venue/guestbook.redb 的副本可保留之前的访客记录。
venue-display-showing = 动态码显示在 { $url }（请在入口屏幕上全屏显示；按 Ctrl-C 停止）
venue-display-exposed = venue display：正在监听 { $addr }，其他机器可以访问：只有网址中带访问令牌的请求才能获得场所码；请妥善保管
venue-display-unspecified = （请把未指定的地址换成本机的地址）
venue-not-notified = 最近 { $days } 天内没有收到通知
venue-notified = 已通知：卫生部门发布了以下时间段：
venue-notified-window = { $window }（第 { $batch } 批）
venue-seeds-released = 已公开 { $count } 天的种子，已用卫生部门的密钥加密（上传 { $id }）
venue-count-tags-failed = 警告：登记人数统计标签失败：{ $detail }
venue-counts = 今天（场所当地日期 { $day }）的登记人数：{ $today }；最近 { $days } 天：{ $total }
venue-count-tags-registered = 已登记本场所 { $first } 至 { $last }（当地日期）的人数统计标签；请每天运行
venue-already-revoked = 序号 { $serial } 已经停用；无需操作
venue-revoked = 已停用序号 { $serial }；现在扫描它的手机会看到警告
venue-display-tags-failed = venue display：登记人数统计标签失败：{ $detail }
venue-revocation-unknown = 警告：无法检查本场所是否已被撤销：{ $detail }
venue-cert-expired = 警告：本场所的证书已于 { $until } 过期：手机会拒绝它的场所码。请用 `venuecode venue update --renew --pledge` 续期并打印新海报。
venue-cert-expiring = 警告：本场所的证书将于 { $until } 过期（还剩 { $days } 天）：请用 `venuecode venue update --renew --pledge` 续期并打印新海报。
restore-fetching = 从服务器获取序号 { $serial } 的证书
venue-pledge-prompt = 本人承诺所填信息真实 (I pledge that this information is true)。请输入 yes：
venue-display-new-cert = venue display：现在使用证书序号 { $serial } 签名（之前为 { $old }）

## 海报与显示页面（场所的语言）

poster-title = 场所码 · Venue Check-in
poster-category = 类别 Category: { $category }  ·  地区代码 Region: { $region }
poster-subtitle = 隐私保护的场所登记 · Privacy-preserving venue code
poster-instruction = 扫码登记 · Scan to check in
poster-privacy = 登记记录只保存在您的手机上 · Your visit stays on your phone
poster-no-phone = 没有智能手机？请工作人员代为登记 · No smartphone? Staff will check you in
poster-footer = 证书序号 Certificate: { $serial }  ·  发布日期 Issued: { $issued }  ·  有效期至 Valid until: { $until }
display-title = 场所码
display-scan = 扫码登记 · Scan to check in. This code changes every few minutes.
display-lost = 与显示程序失去联系 · Lost contact with the display: this code expires in
display-expired = 此码已失效 · This code has expired
display-stopped-first = 显示程序已停止。请扫描张贴的场所码或联系工作人员。
display-stopped-second = The display has stopped. Scan the printed poster or ask staff.

## 信任包

trust-installed = 已安装
trust-unchanged = 早已安装
trust-updated = 已从序号 { $from } 更新
trust-install-line = 信任包序号 { $sequence } { $outcome }于 { $home }（登记机构密钥 { $key }，服务器 { $server }）
trust-show = 信任包序号 { $sequence }，签发于 { $issued }，由登记机构密钥 { $key } 签名
    登记机构密钥：{ $ra }
    卫生部门签名密钥：{ $ha }
    卫生部门加密密钥：{ $enc }
    服务器：{ $server }
    场所码网址：{ $codes }
