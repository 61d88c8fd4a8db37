# Venuecode 命令行消息，简体中文：venuecode.ftl 中句子里的原因，按各库的错误类型措辞。
# 与 en/details.ftl 的消息一一对应，变量相同（由测试检查）。`$more` 只在英文运行时带有库的
# 英文原文，在中文运行时为空。

## 协议的错误

protocol-truncated = 数据提前结束
protocol-trailing-bytes = 结构结束后还有多余的字节
protocol-empty = 输入为空
protocol-too-large = 某个长度或数量超过上限
protocol-unsupported-version = 不支持的版本 { $found }
protocol-unknown-code-kind = 未知的场所码类型 { $found }
protocol-invalid-utf8 = 文本字段不是有效的 UTF-8
protocol-non-canonical = 编码不是规范形式
protocol-value-out-of-range = 某个字段超出允许范围
protocol-invalid-url = 不是场所码网址
protocol-invalid-public-key = 公钥编码无效
protocol-weak-public-key = 公钥阶数过小
protocol-non-contributory = 与低阶点进行了密钥交换
protocol-unknown-key-id = 密钥编号不受信任
protocol-certificate-signature-invalid = 场所证书的签名无效
protocol-venue-signature-invalid = 场所码的签名无效（伪造或被替换的种子）
protocol-batch-signature-invalid = 暴露批次的签名无效
protocol-batch-digest-mismatch = 暴露记录与签名的摘要不符
protocol-revocation-list-signature-invalid = 撤销列表的签名无效
protocol-request-signature-invalid = 请求的签名无效
protocol-request-timestamp-out-of-window = 请求的时间戳超出允许的时间范围
protocol-seed-release-signature-invalid = 种子公开的签名无效
protocol-certificate-not-yet-valid = 场所证书尚未生效
protocol-certificate-expired = 场所证书已过期
protocol-code-stale = 动态码已过期；请重新扫描屏幕
protocol-code-validity-invalid = 动态码的有效期前后矛盾
protocol-revoked = 场所码已被停用
protocol-superseded = 场所已更换这张海报；请扫描它当前的海报
protocol-open-failed = 密文无法打开
protocol-rollback = 拒绝了比已有数据更旧的版本（回滚）
protocol-revocation-gap = 撤销列表没有从已保存的位置接续
protocol-batch-chain-broken = 暴露批次没有接续批次链
protocol-checkpoint-signature-invalid = 检查点的签名无效
protocol-claim-outside-display-window = 登记时间不在动态码的显示时段内
protocol-trust-bundle-signature-invalid = 信任包的签名无效
protocol-invalid-argument = 程序内部错误：参数无效{ $more }
protocol-randomness-unavailable = 系统随机数不可用

## 客户端库的原因

reason-departure-before-arrival = 离开时间必须晚于到达时间
reason-arrival-in-future = 到达时间在将来
reason-arrival-too-early = 到达时间早于扫码太久
reason-stay-too-long = 停留时间超过最长停留时间
reason-url-unparsable = 它不是 https://venuecode.example 这样的网址
reason-url-without-host = 它没有主机名；请写成 https://venuecode.example 这样
reason-url-with-user-info = 它含有用户名或密码，接口从不使用它们；请删去
reason-url-with-query = 它含有查询串或片段；只需给出协议、主机、端口和路径
reason-url-scheme = 它的协议不是 https://（连接本机时也可用 http://）
reason-too-many-revocation-pages = 撤销列表的页数过多
reason-revocation-page-without-progress = 撤销列表的一页没有推进
reason-registration-response = 登记应答
reason-revoke-response = 停用应答
reason-body-too-large = 应答内容超过大小上限
reason-json-mismatch = JSON 内容与接口不符
reason-diary-too-large = 日记太大，无法保存
reason-too-many-entries = 记录太多
reason-too-many-exposures = 暴露提醒太多
reason-too-many-revocations = 撤销记录太多
reason-too-many-count-pings = 人数统计标记太多
reason-phone-shape = 电话号码须为大陆手机号（11 位，13… 至 19… 开头），或以 + 和国家代码开头的国际号码
reason-open-entry-needs-guest = 进行中的登记需要访客信息
reason-name-too-long = 姓名太长
reason-phone-too-long = 电话号码太长
reason-nothing-to-change = 没有需要更改的内容：请给出到达时间、离开时间、姓名或电话
reason-window-empty = 时间段为空
reason-too-many-guests = 该时间段内访客超过 10,000 位；请分成较短的时间段提供
reason-venue-key-mismatch = 场所密钥与证书不符
reason-no-day-to-release = 没有要公开的日期
reason-count-tag-days = 人数统计标记只能为 14 天前到明天之间的日期登记
reason-no-day-to-register = 没有要登记的日期
reason-tan-shape = TAN 由 10 到 64 个可打印 ASCII 字符组成
reason-stay-length = 停留时长须在 15 到 720 分钟之间
reason-infectious-window-empty = 传染期为空
reason-entry-outside-window = 所选记录不在传染期内

## 网络和文件故障

network-at = { $server }（{ $reason }）
network-refused = 连接被拒绝
network-timed-out = 连接超时
network-name-not-resolved = 无法解析其主机名
network-certificate-refused = 服务器的 TLS 证书不受信任
network-tls = TLS 握手失败
network-broken = 连接被重置或中断
network-other = 通信失败{ $more }
io-not-found = 找不到
io-permission-denied = 没有权限
io-already-exists = 已存在
io-storage-full = 磁盘已满
io-other = 读写出错{ $more }

## 机构库的错误

why-file = { $path }：{ $reason }
why-corrupt-state = { $path } 的内容无法识别{ $more }
why-request = { $step }：{ $detail }
step-registering-tans = 登记 TAN
step-cancelling-the-tan = 撤销 TAN
step-posting-the-checkpoint = 发布检查点
step-other = 请求
why-bad-answer = { $what }{ $more }
answer-tan-status = TAN 状态
answer-upload-listing = 上传列表
answer-batch-response = 批次应答
answer-venue-search = 场所查询
answer-registrations = 登记申请
answer-statistics = 统计
answer-certificate = 证书
answer-other = 应答
why-unknown-purpose = 未知的上传用途 `{ $purpose }`
why-upload-undecodable = 无法解码：{ $detail }
why-upload-unopenable = 无法打开：{ $detail }
why-seed-release-invalid = 无法打开，或其场所签名验证失败：{ $detail }
why-tan-unknown = 未经本机构签发的 TAN 授权（其中封装的 TAN 不是本机构签发的）
why-tan-not-for-case = 未经本机构为病例签发的 TAN 授权（其中封装的 TAN 是为 { $purpose } 签发的）
why-tan-replayed = 其中封装的 TAN 已被上传 { $by } 使用：这是重放，未经本机构签发的 TAN 授权
why-tan-used = 其中封装的 TAN 已被使用
why-tan-cancelled = 其中封装的 TAN 已被本机构撤销；其中的内容都不发布
why-tan-id-unknown = 本机构签发的 TAN 中没有编号为 `{ $id }` 的（请给出 `authority tan list` 中编号的至少 { $min } 位十六进制数字，或 TAN 本身）
why-tan-id-ambiguous = 编号 `{ $id }` 与 { $count } 个 TAN 相符（{ $matches }）：请多给几位数字
why-tan-already-used = TAN { $id } 已被一份上传使用，不能撤销（请改为删除或略过该上传）
why-tan-already-cancelled = TAN { $id } 之前已被撤销
why-code-invalid = 场所码验证失败：{ $detail }
why-claim-invalid = 声明不成立（{ $detail }）：从第 { $arrival } 分钟起停留 { $minutes } 分钟，于第 { $received } 分钟收到
why-empty-window = 场所 { $serial } 的时间段为空
why-no-check-in-at-venue = 没有病例上传分享了在场所 { $serial } 的登记
why-chain-mismatch = 该批次没有接续本机构的链
why-batch-kept-pending = 发布批次（已保存在 { $path }；下次发布时会重新发送）：{ $detail }
why-nothing-to-publish =
    { $skipped ->
        [0] 没有可发布的病例上传
       *[other] 没有可发布的病例上传（跳过了 { $skipped } 份上传或登记，见上文）
    }
why-nothing-new = 没有新的内容可发布：这些上传的全部 { $windows } 个时间段之前都已发布
why-all-windows-refused = 所有时间段都被拒绝；没有发布任何内容
why-region-not-a-filter = `{ $text }` 不是可用于筛选的地区：请给出 GB/T 2260 的省级（44 或 440000）或地级（4403 或 440300）代码
why-region-not-in-table = 地区 { $code } 不在 GB/T 2260 的省级和地级代码表中
why-unknown-category = `{ $slug }` 不是场所类别（可选：{ $slugs }）
why-date-range = 日期范围的开始晚于结束：从 { $from } 到 { $until }
why-uploads-missing = 上传信箱中没有上传 { $ids }；没有发布任何内容（见 `authority uploads list`）
why-retention-mismatch = 服务器保留暴露批次 { $server } 天，而本机构设置的是 { $ours } 天；没有发送任何内容（请使用 --retention-days { $server }，或设置 VENUECODE_RETENTION_DAYS={ $server }）
why-key-exists = { $path } 已存在；拒绝覆盖密钥（请先把它移走）
why-invalid-url = { $what } `{ $url }` 不能写入信任包：{ $detail }（须为 https://…；http:// 仅限 127.0.0.1、[::1] 或 localhost）
url-server = 服务器地址
url-code-base = 场所码基础地址
skipped-venue = { $venue }（序号 { $serial }）：{ $detail }

## 服务器签发的证书和私有 CA

certificate-undecodable = 证书无法解码：{ $detail }
certificate-unverified = 服务器发来的证书验证失败：{ $detail }
certificate-other-than-asked = 服务器认证的内容与申请的不同
certificate-same-serial = 服务器对更新的应答仍使用原证书序号
ca-unreadable = { $file }：{ $reason }
ca-not-pem = { $file } 不是 PEM 格式
ca-no-certificate = { $file } 中没有证书（应为 PEM 格式的 BEGIN CERTIFICATE 块）
ca-unusable = { $file }：无法用作 CA 证书

## 密钥文件

key-unreadable = 无法读取密钥文件 { $path }{ $more }
key-unlabelled = 密钥文件 { $path } 没有标签行；应为{ $expected }（第一行为 `{ $label }`，然后是十六进制的密钥）
key-secret-for-public = 密钥文件 { $path } 是私钥（{ $found }）；请给出对应的 .pub 文件（{ $expected }）
key-wrong-kind = 密钥文件 { $path } 中是{ $found }；应为{ $expected }
key-bad-line = 密钥文件 { $path }：第 { $line } 行不是 64 位十六进制数字
key-wrong-count-secret = 密钥文件 { $path } 中有 { $found } 个密钥；私钥文件只能有一个
key-wrong-count-public = 密钥文件 { $path } 中有 { $found } 个密钥；公钥文件至少要有一个
key-kind-ed25519-public = Ed25519 公钥
key-kind-ed25519-secret = Ed25519 私钥
key-kind-x25519-public = X25519 公钥
key-kind-x25519-secret = X25519 私钥
key-kind-symmetric-secret = 对称密钥
key-kind-venue-master-seed = 场所主种子
